/**
 * The server's REST API (all behind Jupyter's authentication).
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

export interface IPersonaInfo {
  id: string;
  name: string;
  mention_name: string;
  description: string;
  avatar_url: string | null;
  source: string;
  available: boolean;
  unavailable_reason: string | null;
  working: boolean;
  /** whether its agent asks before it acts (a warning when it may not) */
  consent?: string | null;
  /** what a person has to do first, e.g. "needs `ANTHROPIC_API_KEY` (or sign in)" */
  needs?: string | null;
  /** the commands its agent announced in this chat (written `@Name /command`) */
  commands?: IAgentCommand[];
  /** the model and mode a person can pick for this chat (once its agent opened a session) */
  options?: ISessionOption[];
}

export interface ISessionOption {
  category: 'model' | 'mode';
  name: string;
  current: string | null;
  choices: { value: string; name: string }[];
}

export interface IAgentCommand {
  name: string;
  description: string;
}

/** A command of the chat itself (`/help`, `/new @Name`, ...). */
export interface IChatCommandInfo {
  name: string;
  usage: string;
  description: string;
}

export interface ICredentialVariable {
  name: string;
  set: boolean;
  where: 'settings' | 'environment' | null;
}

/** An agent and the variables any one of which signs it in (values are never sent). */
export interface IAgentCredentials {
  personas: string[];
  variables: ICredentialVariable[];
  unavailable: string | null;
  needs: string | null;
}

/** A persona file that runs code, waiting for a person's trust. */
export interface IUntrustedFile {
  path: string;
  sha256: string;
  reasons: string[];
  command: string;
}

export interface IRoster {
  personas: IPersonaInfo[];
  untrusted: IUntrustedFile[];
  commands: IChatCommandInfo[];
}

export interface IChatRef {
  chatId?: string;
  chatPath?: string;
}

async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'api/ai-personas', path);
  const response = await ServerConnection.makeRequest(url, init, settings);
  const text = await response.text();
  let data: any = {};
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    data = { message: text };
  }
  if (!response.ok) {
    throw new Error(data.message || data.reason || `${response.status} ${response.statusText}`);
  }
  return data as T;
}

function chatFields(chat: IChatRef): Record<string, string> {
  const fields: Record<string, string> = {};
  if (chat.chatId) {
    fields.chat_id = chat.chatId;
  }
  if (chat.chatPath) {
    fields.chat = chat.chatPath;
  }
  return fields;
}

export async function getRoster(chat: IChatRef): Promise<IRoster> {
  const query = new URLSearchParams(chatFields(chat)).toString();
  const data = await request<Partial<IRoster>>(`personas${query ? '?' + query : ''}`);
  return {
    personas: data.personas ?? [],
    untrusted: data.untrusted ?? [],
    commands: data.commands ?? []
  };
}

export async function listPersonas(chat: IChatRef): Promise<IPersonaInfo[]> {
  return (await getRoster(chat)).personas;
}

/** Trust the content of a persona file the person has read (its SHA-256). */
export async function trustFile(path: string, sha256: string): Promise<string> {
  const data = await request<{ message: string }>('trust', {
    method: 'POST',
    body: JSON.stringify({ path, sha256 })
  });
  return data.message;
}

export async function answerPermission(chat: IChatRef, requestNumber: number, optionId: string): Promise<void> {
  await request('permissions', {
    method: 'POST',
    body: JSON.stringify({ ...chatFields(chat), request: requestNumber, option_id: optionId })
  });
}

export async function stopPersona(chat: IChatRef, persona?: string, messageId?: string): Promise<string[]> {
  const data = await request<{ stopped: string[] }>('stop', {
    method: 'POST',
    body: JSON.stringify({ ...chatFields(chat), persona, message_id: messageId })
  });
  return data.stopped;
}

/** Send a waiting message into the turn under way (agents that take one: steering). */
export async function sendNow(chat: IChatRef, persona: string, messageId: string): Promise<string[]> {
  const data = await request<{ sent: string[] }>('send-now', {
    method: 'POST',
    body: JSON.stringify({ ...chatFields(chat), persona, message_id: messageId })
  });
  return data.sent;
}

/** Pick a persona's model or mode for this chat: kept with the chat, applied at once. */
export async function chooseOption(
  chat: IChatRef,
  persona: string,
  category: string,
  value: string
): Promise<ISessionOption[]> {
  const data = await request<{ options: ISessionOption[] }>('options', {
    method: 'POST',
    body: JSON.stringify({ ...chatFields(chat), persona, category, value })
  });
  return data.options;
}

export async function listCredentials(): Promise<IAgentCredentials[]> {
  return (await request<{ agents: IAgentCredentials[] }>('credentials')).agents;
}

export async function setCredential(name: string, value: string | null): Promise<void> {
  const path = `credentials/${encodeURIComponent(name)}`;
  await request(path, value === null ? { method: 'DELETE' } : { method: 'PUT', body: JSON.stringify({ value }) });
}

export async function answerQuestion(
  chat: IChatRef,
  question: number,
  answer: { values?: Record<string, unknown>; text?: string; action?: 'accept' | 'decline' }
): Promise<void> {
  await request('answers', {
    method: 'POST',
    body: JSON.stringify({ ...chatFields(chat), question, ...answer })
  });
}

export interface ISignInMethod {
  id: string;
  name: string;
  description: string;
}

/** The sign-ins an agent offers to run in a terminal (its program starts if needed). */
export async function signInMethods(persona: string): Promise<ISignInMethod[]> {
  const query = new URLSearchParams({ persona }).toString();
  return (await request<{ methods: ISignInMethod[] }>(`sign-in?${query}`)).methods;
}

/** Start one in a JupyterLab terminal; returns the terminal's name. */
export async function startSignIn(persona: string, method: string): Promise<string> {
  const data = await request<{ terminal: string }>('sign-in', {
    method: 'POST',
    body: JSON.stringify({ persona, method })
  });
  return data.terminal;
}
