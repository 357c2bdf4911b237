/**
 * The typed client of the daemon's API. Every request and answer type is the daemon's own
 * TypeBox schema (`../../src/schemas.ts`, imported as types only: nothing of TypeBox reaches
 * the bundle), so a change on one side that the other does not follow fails the type check.
 * `ROUTES` lists what this client calls; a daemon test checks every entry is a real route.
 */

import type * as S from '../../src/schemas.js';
import type {
  AccountResult,
  AccountsList,
  ConfirmPhraseBody,
  ContactBody,
  ContactResult,
  ConversationsList,
  CreateAccountBody,
  CreateAccountResult,
  DisappearingSetting,
  DisplayNameBody,
  EditBody,
  ErrorBody,
  HistoryResult,
  MessageResult,
  NetworkBody,
  NicknameBody,
  Ok,
  PhraseResult,
  RestoreAccountBody,
  RevealPhraseBody,
  SendBody,
  SettingsBody,
  UnlockBody,
} from '../../src/schemas.js';

/** The schema types the screens use. */
export type AccountSummary = S.AccountSummary;
export type ConversationSummary = S.ConversationSummary;
export type DesktopEvent = S.DesktopEvent;
export type DisappearingMode = S.DisappearingMode;
export type MessageView = S.MessageView;
export type NetworkView = S.NetworkView;
export type Settings = S.Settings;
export type TimerChoices = S.TimerChoices;

/** An error answer of the daemon. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'murmur-token';

/** The launch token: from the URL's `#token=` (then removed from the address bar) or this tab's storage. */
export function takeToken(): string | undefined {
  const match = location.hash.match(/token=([0-9a-f]{64})/);
  if (match?.[1] !== undefined) {
    sessionStorage.setItem(TOKEN_KEY, match[1]);
    history.replaceState(null, '', location.pathname);
    return match[1];
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

const enc = encodeURIComponent;

/** The API, bound to a token. */
export function createApi(token: string) {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(path, {
      method,
      headers: {
        'x-murmur-token': token,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) {
      let error: ErrorBody = {
        error: 'HTTP_ERROR',
        message: `${response.status} ${response.statusText}`,
      };
      try {
        error = (await response.json()) as ErrorBody;
      } catch {}
      throw new ApiError(response.status, error.error, error.message);
    }
    return (await response.json()) as T;
  }
  const acc = (account: string) => `/api/accounts/${enc(account)}`;
  const conv = (account: string, id: string) => `${acc(account)}/conversations/${enc(id)}`;
  return {
    accounts: () => call<AccountsList>('GET', '/api/accounts'),
    create: (body: CreateAccountBody) => call<CreateAccountResult>('POST', '/api/accounts', body),
    restore: (body: RestoreAccountBody) =>
      call<AccountResult>('POST', '/api/accounts/restore', body),
    unlock: (account: string, body: UnlockBody) =>
      call<AccountResult>('POST', `${acc(account)}/unlock`, body),
    confirmPhrase: (account: string, body: ConfirmPhraseBody) =>
      call<AccountResult>('POST', `${acc(account)}/confirm-phrase`, body),
    revealPhrase: (account: string, body: RevealPhraseBody) =>
      call<PhraseResult>('POST', `${acc(account)}/reveal-phrase`, body),
    setDisplayName: (account: string, body: DisplayNameBody) =>
      call<AccountResult>('PUT', `${acc(account)}/display-name`, body),
    async qrSvg(account: string): Promise<string> {
      const response = await fetch(`${acc(account)}/qr.svg`, {
        headers: { 'x-murmur-token': token },
      });
      if (!response.ok) throw new ApiError(response.status, 'QR', 'no QR code');
      return response.text();
    },
    conversations: (account: string) =>
      call<ConversationsList>('GET', `${acc(account)}/conversations`),
    history: (account: string, id: string, before?: string, limit = 50) =>
      call<HistoryResult>(
        'GET',
        `${conv(account, id)}/messages?limit=${limit}${before === undefined ? '' : `&before=${enc(before)}`}`,
      ),
    send: (account: string, id: string, body: SendBody) =>
      call<MessageResult>('POST', `${conv(account, id)}/messages`, body),
    markRead: (account: string, id: string) => call<Ok>('POST', `${conv(account, id)}/read`),
    setDisappearing: (account: string, id: string, body: DisappearingSetting) =>
      call<DisappearingSetting>('PUT', `${conv(account, id)}/disappearing`, body),
    setNickname: (account: string, id: string, body: NicknameBody) =>
      call<ContactResult>('PUT', `${conv(account, id)}/nickname`, body),
    addContact: (account: string, body: ContactBody) =>
      call<ContactResult>('POST', `${acc(account)}/contacts`, body),
    retry: (account: string, messageId: string) =>
      call<MessageResult>('POST', `${acc(account)}/messages/${enc(messageId)}/retry`),
    editLocal: (account: string, messageId: string, body: EditBody) =>
      call<MessageResult>('PUT', `${acc(account)}/messages/${enc(messageId)}/local-edit`, body),
    network: (account: string) => call<NetworkView>('GET', `${acc(account)}/network`),
    rebuildPaths: (account: string) => call<Ok>('POST', `${acc(account)}/network/rebuild`),
    timers: () => call<TimerChoices>('GET', '/api/timers'),
    settings: () => call<Settings>('GET', '/api/settings'),
    setSettings: (body: SettingsBody) => call<Settings>('PUT', '/api/settings', body),
    setNetwork: (body: NetworkBody) => call<Settings>('PUT', '/api/network', body),
    /** The event stream; reconnects after a second when it drops. */
    events(onEvent: (event: DesktopEvent) => void, onState: (open: boolean) => void): () => void {
      let socket: WebSocket | undefined;
      let stopped = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const connect = () => {
        socket = new WebSocket(`ws://${location.host}/api/events`, [
          'murmur.v1',
          `murmur-token.${token}`,
        ]);
        socket.onopen = () => onState(true);
        socket.onmessage = (message) => onEvent(JSON.parse(String(message.data)) as DesktopEvent);
        socket.onclose = () => {
          onState(false);
          if (!stopped) timer = setTimeout(connect, 1000);
        };
      };
      connect();
      return () => {
        stopped = true;
        if (timer !== undefined) clearTimeout(timer);
        socket?.close();
      };
    },
  };
}

export type Api = ReturnType<typeof createApi>;
