// The service worker of the ticket status page (served at /t/push-sw.js, scope /t/): shows the push
// messages that server/push.py sends ("Your turn is near", "It is your turn: counter 3") and opens
// the ticket's page when the visitor taps one. A message is JSON: {title, body, url, tag, urgent}.
"use strict";

// A new version of this file takes over at once: a worker has no page state to lose.
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

function parsePayload(data) {
  if (!data) return {};
  try {
    return data.json();
  } catch (error) {
    return { body: data.text() }; // not JSON: still show what came
  }
}

function showPush(payload) {
  // A subscription made with userVisibleOnly must show something for every push, or the browser
  // shows a notice of its own ("This site has been updated in the background").
  const tag = payload.tag || "luukku";
  return self.registration.showNotification(payload.title || "Luukku", {
    body: payload.body || "",
    lang: payload.lang || "",
    // The same tag replaces the ticket's earlier notification instead of stacking another, and
    // renotify makes the replacement sound and vibrate again (renotify needs a tag).
    tag: tag,
    renotify: true,
    // "It is your turn" stays on the screen until the visitor reacts; the rest may fade away.
    requireInteraction: Boolean(payload.urgent),
    data: { url: payload.url || "" },
  });
}

function onPush(event) {
  event.waitUntil(showPush(parsePayload(event.data)));
}

// The page of the notification: focused if it is open, opened if not. Only our own pages.
async function openPage(url) {
  let target = new URL(url || self.registration.scope, self.location.origin);
  if (target.origin !== self.location.origin) target = new URL(self.registration.scope);
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  for (const client of windows) {
    if (new URL(client.url).pathname === target.pathname && "focus" in client) return client.focus();
  }
  return self.clients.openWindow(target.href);
}

function onNotificationClick(event) {
  event.notification.close();
  event.waitUntil(openPage(event.notification.data && event.notification.data.url));
}

self.addEventListener("push", onPush);
self.addEventListener("notificationclick", onNotificationClick);
