"""The touch kiosk and the citizen's own pages (ticket status; booking comes later)."""
