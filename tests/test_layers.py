"""The layers of the code (docs/architecture.md): the domain core knows no HTTP. A core module
imports nothing from the web wing (server/web/), the screens (kiosk/, counter/, display/), the
printer agent's websocket route or an HTTP framework; and the print queue and the queue engine do
not import each other."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The command line starts the web app: it stands above both, as the screens do.
ABOVE_THE_CORE = {"server/cli.py", "printers/routes.py"}
CORE = sorted(p for folder in ("server", "printers") for p in (ROOT / folder).glob("*.py")
              if p.relative_to(ROOT).as_posix() not in ABOVE_THE_CORE)
WEB = ("server.web", "kiosk", "counter", "display", "printers.routes", "starlette", "uvicorn", "httpx")
# A channel that speaks HTTP to a gateway as a client is I/O like SMTP, not the web wing.
CLIENTS = {"server.sms": {"httpx"}, "server.ptv_api": {"httpx"}}


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def imports_of(source: str, package: str) -> set[str]:
    """Every module a source imports, at the top or inside a function; ``from server import web``
    counts as importing ``server.web``, and relative imports are resolved against ``package``."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def imports_of_module(path: Path) -> set[str]:
    return imports_of(path.read_text(), module_name(path).rpartition(".")[0])


def within(name: str, layer: tuple[str, ...]) -> bool:
    return any(name == top or name.startswith(top + ".") for top in layer)


def test_the_core_is_the_modules_beside_the_web_wing():
    names = {module_name(p) for p in CORE}
    assert {"server.queue", "server.booking", "server.mail", "server.i18n", "printers.jobs"} <= names
    assert not any(within(name, WEB) for name in names)
    assert len(names) >= 40  # a move that emptied the list would let the next test pass without looking


def test_the_core_imports_nothing_of_the_web_wing_or_the_screens():
    crossing = {module_name(p): sorted(n for n in imports_of_module(p) if within(n, WEB)
                                       and n not in CLIENTS.get(module_name(p), ())) for p in CORE}
    assert {module: names for module, names in crossing.items() if names} == {}


def test_the_print_queue_and_the_queue_engine_do_not_import_each_other():
    assert any(within(n, ("printers.jobs",)) for n in imports_of_module(ROOT / "server" / "queue.py"))
    assert not any(within(n, ("server.queue",)) for n in imports_of_module(ROOT / "printers" / "jobs.py"))


def test_an_import_inside_a_function_or_a_relative_one_is_seen():
    source = "def f():\n    from server import web\n    from .web.pages import render\n    import starlette.routing\n"
    found = imports_of(source, "server")
    assert {"server.web", "server.web.pages", "starlette.routing"} <= found
    assert all(within(name, WEB) for name in ("server.web", "server.web.pages.render", "starlette.routing"))
    assert not within("server.webhooks", WEB)


def test_the_architecture_page_names_every_module():
    page = (ROOT / "docs" / "architecture.md").read_text()
    modules = [p for folder in ("server", "server/web", "printers") for p in (ROOT / folder).glob("*.py")
               if p.name != "__init__.py"]
    assert [p.relative_to(ROOT).as_posix() for p in modules if f"`{p.name}`" not in page] == []
