/**
 * The demo page: everything goes through the public API (the typed client over Socket.IO, the admin REST API).
 * Every piece of server data is put on the page as text (textContent), never as HTML.
 */
import { AdminApi, ChatClient, ContractError, type AuditEntry, type PresenceEntry, type ReactionCounts, type StoredMessage } from '../src';

const REACTIONS = ['👍', '❤️', '😂'];
/** The service worker shows pushes; its scope is the page's own address, so that a notification click finds the page. */
const SERVICE_WORKER = { url: '/demo/sw.js', scope: '/demo' };
const TYPING_RENEW_MS = 2000;

interface RoomState {
  messages: StoredMessage[];
  presence: Map<string, PresenceEntry>;
  typing: Map<string, ReturnType<typeof setTimeout>>;
  unread?: number;
}

const byId = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  whoami: byId('whoami'),
  signinView: byId('signin-view'),
  nameForm: byId<HTMLFormElement>('signin-name-form'),
  tokenForm: byId<HTMLFormElement>('signin-token-form'),
  chatView: byId('chat-view'),
  joinForm: byId<HTMLFormElement>('join-form'),
  roomName: byId<HTMLInputElement>('room-name'),
  roomList: byId('room-list'),
  presenceList: byId('presence-list'),
  searchForm: byId<HTMLFormElement>('search-form'),
  searchResults: byId('search-results'),
  roomTitle: byId('room-title'),
  messages: byId('messages'),
  typing: byId('typing'),
  composerForm: byId<HTMLFormElement>('composer-form'),
  composer: byId<HTMLTextAreaElement>('composer'),
  attachment: byId<HTMLInputElement>('attachment'),
  replying: byId('replying'),
  replyingText: byId('replying-text'),
  status: byId('status'),
  error: byId('error'),
  adminPanel: byId('admin-panel'),
  adminRooms: byId<HTMLTableElement>('admin-rooms'),
  adminForm: byId<HTMLFormElement>('admin-action-form'),
  adminAudit: byId('admin-audit'),
  pushControls: byId('push-controls'),
  pushState: byId('push-state'),
};

let client: ChatClient;
/** The admin REST API under the signed-in token (calls are refused without the admin role). */
const adminApi = new AdminApi({ token: () => token });
let token = '';
let userId = '';
let currentRoom: string | undefined;
let replyTo: StoredMessage | undefined;
let typingSentAt = 0;
let hasInbox = false;
/** The node's VAPID public key (base64url); null when the node sends no Web Push. */
let vapidPublicKey: string | null = null;
const rooms = new Map<string, RoomState>();

function element<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function button(label: string, onClick: () => void, accessibleName?: string): HTMLButtonElement {
  const node = element('button', label);
  node.type = 'button';
  if (accessibleName) node.setAttribute('aria-label', accessibleName);
  node.addEventListener('click', onClick);
  return node;
}

function showError(error: unknown): void {
  ui.error.textContent = error instanceof ContractError ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);
}

function showStatus(text: string): void {
  ui.status.textContent = text;
  ui.error.textContent = '';
}

/** Runs an action from the UI, showing what went wrong instead of throwing into the console. */
function attempt(action: () => Promise<unknown>): void {
  action().catch(showError);
}

function roomState(room: string): RoomState {
  let state = rooms.get(room);
  if (!state) rooms.set(room, (state = { messages: [], presence: new Map(), typing: new Map() }));
  return state;
}

/** The token's claims, read only to shape the page (the server verifies it). */
function claimsOf(jwt: string): { sub?: string; name?: string; roles?: string[] } {
  try {
    return JSON.parse(atob(jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
  } catch {
    return {};
  }
}

async function signIn(jwt: string): Promise<void> {
  token = jwt;
  const claims = claimsOf(jwt);
  userId = claims.sub ?? '';
  client = await ChatClient.connect({ urls: location.origin, token: () => token, transports: ['websocket', 'polling'] });
  ui.whoami.textContent = `Signed in as ${claims.name ?? userId}`;
  ui.signinView.hidden = true;
  ui.chatView.hidden = false;
  ui.adminPanel.hidden = !(claims.roles ?? []).includes('admin');
  listen();
  await loadInbox();
  ui.roomName.focus();
  attempt(startNotifications);
  await openRoomFromAddress();
}

/** `#room=<name>`: where a notification click sends the page. */
async function openRoomFromAddress(): Promise<void> {
  const room = new URLSearchParams(location.hash.slice(1)).get('room');
  if (room && room !== currentRoom) await join(room);
}

/**
 * The service worker is registered on every signed-in page; pushes need the node's key, a browser with the Push
 * API and the user's permission. Permission is asked on a click only (browsers ignore prompts without a gesture);
 * once granted, the page subscribes again on each sign-in, which refreshes the endpoint on the server.
 */
async function startNotifications(): Promise<void> {
  if (!('serviceWorker' in navigator)) return;
  await navigator.serviceWorker.register(SERVICE_WORKER.url, { scope: SERVICE_WORKER.scope });
  if (!vapidPublicKey || !('PushManager' in window) || !('Notification' in window)) return;
  ui.pushControls.hidden = false;
  if (Notification.permission === 'granted') await enablePush();
  else ui.pushState.textContent = Notification.permission === 'denied' ? 'Notifications are blocked for this page' : '';
}

async function enablePush(): Promise<void> {
  if ((await Notification.requestPermission()) !== 'granted') {
    ui.pushState.textContent = 'Notifications were not allowed';
    return;
  }
  const registration = await navigator.serviceWorker.ready;
  const subscription =
    (await registration.pushManager.getSubscription()) ??
    (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: fromBase64Url(vapidPublicKey!) }));
  const { endpoint, keys } = subscription.toJSON();
  await client.request('push:subscribe', { subscription: { endpoint: endpoint!, keys: { p256dh: keys!.p256dh, auth: keys!.auth } } });
  ui.pushState.textContent = 'Notifications on';
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (char) => char.charCodeAt(0));
}

function listen(): void {
  client.on('message', (message) => {
    const state = roomState(message.room);
    state.messages.push(message);
    if (message.room === currentRoom) {
      renderMessage(message);
      markRead(message);
    } else if (hasInbox && rooms.has(message.room)) {
      state.unread = (state.unread ?? 0) + 1;
      renderRoomList();
    }
  });
  client.on('message:edited', (message) => replaceMessage(message));
  client.on('message:deleted', ({ room, messageId }) => {
    const state = roomState(room);
    state.messages = state.messages.filter((message) => message.id !== messageId);
    if (room === currentRoom) renderMessages();
  });
  client.on('reaction', ({ room, messageId, reactions }) => updateReactions(room, messageId, reactions));
  client.on('typing', ({ room, userId: typist, isTyping }) => {
    if (typist === userId) return;
    const state = roomState(room);
    clearTimeout(state.typing.get(typist));
    if (isTyping)
      state.typing.set(
        typist,
        setTimeout(() => (state.typing.delete(typist), renderTyping()), 8000),
      );
    else state.typing.delete(typist);
    renderTyping();
  });
  client.on('presence', ({ room, userId: who, name, status }) => {
    const presence = roomState(room).presence;
    if (status === 'joined') presence.set(who, { userId: who, name: name ?? null, connections: 1 });
    else presence.delete(who);
    if (room === currentRoom) renderPresence();
  });
  client.on('moderation', (notice) =>
    showError(new Error(`moderation: ${notice.action}${notice.room ? ` in ${notice.room}` : ''}${notice.reason ? ` (${notice.reason})` : ''}`)),
  );
  client.on('disconnect', () => showStatus('Connection lost: reconnecting…'));
  client.on('connect', ({ isReconnect }) => isReconnect && showStatus('Reconnected: catching up'));
  client.on('rejoin', ({ room, error }) => {
    if (error) showError(error);
    else if (room === currentRoom) renderPresence();
  });
  client.on('closed', ({ reason, code }) => showError(new Error(`Disconnected for good: ${reason}${code ? ` (${code})` : ''}. Reload to sign in again.`)));
}

/** Unread counts come from `inbox:list` where the server offers it; without it the page shows just the list. */
async function loadInbox(): Promise<void> {
  try {
    const { rooms: inbox } = await client.request('inbox:list', {});
    hasInbox = true;
    for (const entry of inbox) roomState(entry.room).unread = entry.unreadCount;
  } catch {
    hasInbox = false;
  }
  renderRoomList();
}

async function join(room: string): Promise<void> {
  const result = await client.join(room);
  const state = roomState(room);
  state.messages = result.messages;
  state.presence = new Map(result.presence.map((entry) => [entry.userId, entry]));
  if (hasInbox) state.unread = result.unreadCount;
  selectRoom(room);
}

function selectRoom(room: string): void {
  currentRoom = room;
  const state = roomState(room);
  if (hasInbox) state.unread = 0;
  ui.roomTitle.textContent = `Room ${room}`;
  renderRoomList();
  renderMessages();
  renderPresence();
  renderTyping();
  const last = state.messages.at(-1);
  if (last) markRead(last);
  ui.composer.focus();
}

function markRead(message: StoredMessage): void {
  client.request('receipt:read', { room: message.room, messageId: message.id }).catch(() => undefined);
}

function renderRoomList(): void {
  ui.roomList.replaceChildren(
    ...client.rooms.map((room) => {
      const unread = rooms.get(room)?.unread;
      const label = hasInbox && unread ? `${room} (${unread} unread)` : room;
      const item = element('li');
      const open = button(label, () => selectRoom(room));
      if (room === currentRoom) open.setAttribute('aria-current', 'true');
      item.append(
        open,
        button('Leave', () => attempt(() => leave(room)), `Leave ${room}`),
      );
      return item;
    }),
  );
}

async function leave(room: string): Promise<void> {
  await client.leave(room);
  rooms.delete(room);
  if (room === currentRoom) {
    currentRoom = undefined;
    ui.roomTitle.textContent = 'No room yet';
    ui.messages.replaceChildren();
    ui.presenceList.replaceChildren();
  }
  renderRoomList();
}

function renderMessages(): void {
  ui.messages.replaceChildren();
  for (const message of currentRoom ? roomState(currentRoom).messages : []) renderMessage(message);
}

function messageExcerpt(message: StoredMessage): string {
  return `${message.name ?? message.userId}: ${message.content.slice(0, 60)}`;
}

function renderMessage(message: StoredMessage): void {
  const item = element('li', undefined, 'message');
  item.dataset.id = message.id;
  const meta = element('p', undefined, 'meta');
  meta.append(element('strong', message.name ?? message.userId), ` · ${new Date(message.createdAt).toLocaleTimeString()}`);
  if (message.editedAt) meta.append(' · edited');
  if (message.replyTo) {
    const parent = roomState(message.room).messages.find((candidate) => candidate.id === message.replyTo);
    meta.append(element('span', ` ↪ reply to ${parent ? messageExcerpt(parent) : message.replyTo}`, 'reply-to'));
  }
  item.append(meta, element('p', message.content, 'text'));
  for (const attachment of message.attachments ?? []) {
    const link = element('a', `📎 ${attachment.filename} (${attachment.size} bytes)`);
    if (/^https?:\/\//.test(attachment.url) || attachment.url.startsWith('/')) link.href = attachment.url;
    link.rel = 'noopener noreferrer';
    link.target = '_blank';
    item.append(link);
  }
  const actions = element('p', undefined, 'actions');
  actions.append(
    button('Reply', () => startReply(message), `Reply to ${messageExcerpt(message)}`),
    ...REACTIONS.map((emoji) => reactionButton(message, emoji)),
  );
  if (message.replyCount) actions.append(` ${message.replyCount} replies`);
  item.append(actions);
  const existing = ui.messages.querySelector(`li[data-id="${CSS.escape(message.id)}"]`);
  if (existing) existing.replaceWith(item);
  else ui.messages.append(item);
  item.scrollIntoView({ block: 'nearest' });
}

function reactionButton(message: StoredMessage, emoji: string): HTMLButtonElement {
  const count = message.reactions?.[emoji] ?? 0;
  return button(`${emoji} ${count || ''}`.trim(), () => attempt(() => react(message, emoji)), `React ${emoji} (${count})`);
}

async function react(message: StoredMessage, emoji: string): Promise<void> {
  const { reactions } = await client.request('reaction:add', { room: message.room, messageId: message.id, emoji });
  updateReactions(message.room, message.id, reactions);
}

function updateReactions(room: string, messageId: string, reactions: ReactionCounts): void {
  const message = roomState(room).messages.find((candidate) => candidate.id === messageId);
  if (!message) return;
  message.reactions = reactions;
  if (room === currentRoom) renderMessage(message);
}

function replaceMessage(message: StoredMessage): void {
  const state = roomState(message.room);
  state.messages = state.messages.map((candidate) => (candidate.id === message.id ? message : candidate));
  if (message.room === currentRoom) renderMessage(message);
}

function startReply(message: StoredMessage): void {
  replyTo = message;
  ui.replying.hidden = false;
  ui.replyingText.textContent = `Replying to ${messageExcerpt(message)}`;
  ui.composer.focus();
}

function cancelReply(): void {
  replyTo = undefined;
  ui.replying.hidden = true;
}

function renderPresence(): void {
  const presence = currentRoom ? [...roomState(currentRoom).presence.values()] : [];
  ui.presenceList.replaceChildren(...presence.map((entry) => element('li', entry.name ? `${entry.name} (${entry.userId})` : entry.userId)));
}

function renderTyping(): void {
  const typists = currentRoom ? [...roomState(currentRoom).typing.keys()] : [];
  ui.typing.textContent = typists.length ? `${typists.join(', ')} ${typists.length > 1 ? 'are' : 'is'} typing…` : '';
}

/** attachment:create, then PUT of the bytes to the upload link it gives; resolves with the attachment id. */
async function upload(room: string, file: File): Promise<string> {
  const slot = await client.request('attachment:create', { room, filename: file.name, contentType: file.type || 'application/octet-stream', size: file.size });
  const response = await fetch(slot.uploadUrl, { method: slot.method, headers: slot.headers, body: file });
  if (!response.ok) throw new Error(`upload refused: HTTP ${response.status}`);
  return slot.attachmentId;
}

async function send(): Promise<void> {
  if (!currentRoom) throw new Error('Join a room first');
  const room = currentRoom;
  const content = ui.composer.value;
  const file = ui.attachment.files?.[0];
  if (!content.trim() && !file) return;
  const attachments = file ? [await upload(room, file)] : undefined;
  const message = await client.send(room, content, { ...(replyTo && { replyTo: replyTo.id }), ...(attachments && { attachments }) });
  ui.composer.value = '';
  ui.attachment.value = '';
  cancelReply();
  stopTyping();
  roomState(room).messages.push(message);
  if (room === currentRoom) renderMessage(message);
  showStatus('Sent');
}

function noteTyping(): void {
  if (!currentRoom || Date.now() - typingSentAt < TYPING_RENEW_MS) return;
  typingSentAt = Date.now();
  client.request('typing', { room: currentRoom, isTyping: true }).catch(() => undefined);
}

function stopTyping(): void {
  if (!currentRoom || typingSentAt === 0) return;
  typingSentAt = 0;
  client.request('typing', { room: currentRoom, isTyping: false }).catch(() => undefined);
}

async function search(query: string, thisRoomOnly: boolean): Promise<void> {
  const { messages } = await client.request('message:search', { query, ...(thisRoomOnly && currentRoom && { room: currentRoom }) });
  ui.searchResults.replaceChildren(...messages.map((message) => element('li', `[${message.room}] ${messageExcerpt(message)}`)));
  if (messages.length === 0) ui.searchResults.append(element('li', 'No match'));
}

async function listAdminRooms(): Promise<void> {
  const { rooms: list } = await adminApi.rooms();
  ui.adminRooms.tBodies[0].replaceChildren(
    ...list.map(({ room, online, lastMessageAt }) => {
      const row = element('tr');
      row.append(element('td', room), element('td', String(online)), element('td', lastMessageAt ? new Date(lastMessageAt).toLocaleString() : '—'));
      return row;
    }),
  );
}

async function moderate(action: string): Promise<void> {
  const value = (id: string) => byId<HTMLInputElement>(id).value.trim();
  const user = value('admin-user');
  const room = value('admin-room');
  const reason = value('admin-reason') || undefined;
  const durationSec = value('admin-duration') ? Number(value('admin-duration')) : undefined;
  if (action === 'kick') await adminApi.kick(room, user, reason);
  else if (action === 'mute') await adminApi.mute(room, user, durationSec ?? mustHave('a mute needs a duration (seconds)'), reason);
  else await adminApi.ban(user, { durationSec, reason });
  showStatus(`${action}: done for ${user}`);
}

function mustHave(why: string): never {
  throw new Error(why);
}

async function showAudit(): Promise<void> {
  const { entries } = await adminApi.audit({ limit: 50 });
  ui.adminAudit.replaceChildren(
    ...entries.map((entry) => element('li', `${new Date(entry.at).toLocaleString()} ${entry.actor} ${entry.action} ${targetOf(entry)}`)),
  );
}

/** `room general, user bob`: the audit target is an object of the ids involved. */
function targetOf({ target }: AuditEntry): string {
  const parts = [target.room && `room ${target.room}`, target.userId && `user ${target.userId}`, target.messageId && `message ${target.messageId}`];
  return parts.filter(Boolean).join(', ');
}

function onSubmit(form: HTMLFormElement, action: (submitter: HTMLElement | null) => Promise<unknown>): void {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    attempt(() => action((event as SubmitEvent).submitter));
  });
}

async function start(): Promise<void> {
  const settings = (await (await fetch('/demo/settings.json')).json()) as { signIn: 'name' | 'token'; vapidPublicKey: string | null };
  vapidPublicKey = settings.vapidPublicKey;
  const [form, unused] = settings.signIn === 'name' ? [ui.nameForm, ui.tokenForm] : [ui.tokenForm, ui.nameForm];
  // one sign-in form in the page, so that its test hooks are unique
  unused.remove();
  form.hidden = false;
  onSubmit(ui.nameForm, async () => {
    const name = byId<HTMLInputElement>('signin-name').value.trim();
    const admin = byId<HTMLInputElement>('signin-admin').checked;
    const response = await fetch('/demo/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, admin }) });
    const body = await response.json();
    if (!response.ok) throw new Error(Array.isArray(body.message) ? body.message.join('; ') : body.message);
    await signIn(body.token);
  });
  onSubmit(ui.tokenForm, () => signIn(byId<HTMLInputElement>('signin-token').value.trim()));
  onSubmit(ui.joinForm, async () => {
    await join(ui.roomName.value.trim());
    ui.roomName.value = '';
  });
  onSubmit(ui.composerForm, send);
  onSubmit(ui.searchForm, () => search(byId<HTMLInputElement>('search-query').value, byId<HTMLInputElement>('search-here').checked));
  onSubmit(ui.adminForm, (submitter) => moderate((submitter as HTMLButtonElement | null)?.value ?? 'kick'));
  byId('cancel-reply').addEventListener('click', cancelReply);
  byId('admin-rooms-refresh').addEventListener('click', () => attempt(listAdminRooms));
  byId('admin-audit-refresh').addEventListener('click', () => attempt(showAudit));
  byId('enable-notifications').addEventListener('click', () => attempt(enablePush));
  window.addEventListener('hashchange', () => client && attempt(openRoomFromAddress));
  ui.composer.addEventListener('input', noteTyping);
  ui.composer.addEventListener('blur', stopTyping);
  // Enter sends, Shift+Enter starts a new line
  ui.composer.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      ui.composerForm.requestSubmit();
    }
  });
  (form.querySelector('input') as HTMLInputElement).focus();
}

attempt(start);
