// The demo page's service worker (served at /demo/sw.js with scope /demo): shows a Web Push as a notification
// and brings the page to the room on a click. Payload: { type: 'message', room, messageId, from, preview }.
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  const { room, messageId, from, preview } = event.data.json();
  const title = room.startsWith('dm:') ? from : `${from} in ${room}`;
  // preview is plain text; notifications never render HTML
  event.waitUntil(self.registration.showNotification(title, { body: preview, tag: `${room}:${messageId}`, data: { room } }));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = `${self.registration.scope}#room=${encodeURIComponent(event.notification.data.room)}`;
  event.waitUntil(
    (async () => {
      const pages = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const page = pages.find((client) => client.url.startsWith(self.registration.scope));
      if (page) return page.focus().then(() => page.navigate(url));
      return self.clients.openWindow(url);
    })(),
  );
});
