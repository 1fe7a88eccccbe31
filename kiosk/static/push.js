// Push notifications on the ticket status page (server/push.py, push-sw.js): the page's side.
//   LuukkuPush.supported()                      -> true where this browser can get push messages
//   LuukkuPush.subscribe(vapidPublicKey, swUrl) -> Promise of the subscription's JSON, to post to
//                                                  the server ({endpoint, expirationTime, keys})
//   LuukkuPush.unsubscribe(swUrl)               -> Promise of the endpoint turned off, or null
// Call subscribe from a click: Safari and Firefox ask for permission only after a tap. It rejects
// with a DOMException named NotSupportedError (no push here) or NotAllowedError (permission refused).
(function () {
  "use strict";
  const DEFAULT_SW = "/t/push-sw.js"; // its scope is its folder, /t/: the ticket pages

  function supported() {
    return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  }

  // The applicationServerKey as PushManager takes it: the bytes of our base64url text.
  function keyBytes(base64url) {
    const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - base64url.length % 4) % 4);
    return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  }

  function sameBytes(a, b) {
    if (!a || a.byteLength !== b.byteLength) return false;
    const view = new Uint8Array(a);
    return view.every((byte, i) => byte === b[i]);
  }

  // pushManager.subscribe needs an active worker; a first registration is still installing.
  function activated(registration) {
    if (registration.active) return Promise.resolve(registration);
    const worker = registration.installing || registration.waiting;
    return new Promise((resolve, reject) => {
      worker.addEventListener("statechange", () => {
        if (worker.state === "activated") resolve(registration);
        else if (worker.state === "redundant") reject(new DOMException("The service worker failed", "AbortError"));
      });
    });
  }

  async function subscribe(vapidPublicKey, swUrl) {
    if (!supported()) throw new DOMException("No push notifications in this browser", "NotSupportedError");
    const registration = await activated(await navigator.serviceWorker.register(swUrl || DEFAULT_SW));
    const permission = await Notification.requestPermission();
    if (permission !== "granted") throw new DOMException("Notifications are not allowed", "NotAllowedError");
    const key = keyBytes(vapidPublicKey);
    let subscription = await registration.pushManager.getSubscription();
    // One made with an earlier server key can no longer be sent to: replace it.
    if (subscription && !sameBytes(subscription.options.applicationServerKey, key)) {
      await subscription.unsubscribe();
      subscription = null;
    }
    if (!subscription) {
      subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
    }
    return subscription.toJSON();
  }

  async function unsubscribe(swUrl) {
    if (!supported()) return null;
    // getRegistration takes an address inside the scope: the worker's own is one.
    const registration = await navigator.serviceWorker.getRegistration(swUrl || DEFAULT_SW);
    const subscription = registration && await registration.pushManager.getSubscription();
    if (!subscription) return null;
    await subscription.unsubscribe();
    return subscription.endpoint;
  }

  window.LuukkuPush = { supported: supported, subscribe: subscribe, unsubscribe: unsubscribe };
})();
