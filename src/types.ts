/**
 * The structured form of rich persona messages (MIME type RICH_MIME), as the server writes it.
 */
export const RICH_MIME = 'application/vnd.jupyter-ai-personas.v1+json';

export interface IPermissionOption {
  option_id: string;
  name: string;
  kind: 'allow_once' | 'allow_always' | 'reject_once' | 'reject_always';
}

export interface IPermissionState {
  request: number;
  persona: string;
  title: string;
  options: IPermissionOption[];
  status: 'pending' | 'answered' | 'timeout' | 'cancelled' | 'expired';
  /** what an "always" answer would cover */
  always_scope?: string;
  answer?: { option_id?: string; kind?: string; by?: string; line?: string };
}

export interface IToolContent {
  type: 'diff' | 'terminal' | 'text';
  path?: string;
  diff?: string;
  command?: string;
  output?: string;
  exit_code?: number | null;
  truncated?: boolean;
  text?: string;
}

export interface IToolCall {
  tool_call_id: string;
  title: string;
  kind: string;
  status: string;
  content: IToolContent[];
  locations: string[];
  command?: string | null;
  note?: string | null;
  /** paths that need a person's answer, and why (outside the root, hidden, protected) */
  warnings?: string[];
}

export interface IPlanEntry {
  content: string;
  status: 'pending' | 'in_progress' | 'completed';
  priority?: string;
}

export interface IQuestionChoice {
  value: string;
  title: string;
  description?: string;
}

export interface IQuestionField {
  name: string;
  title: string;
  kind: 'choice' | 'text' | 'boolean' | 'number';
  description?: string;
  choices: IQuestionChoice[];
  required?: boolean;
}

/** A persona's question to the chat (ACP elicitation). */
export interface IQuestionState {
  question: number;
  persona: string;
  message: string;
  fields: IQuestionField[];
  url?: string | null;
  status: 'pending' | 'answered' | 'cancelled';
  answer?: { action?: string; values?: Record<string, unknown>; by?: string; line?: string };
}

export interface IRichMessage {
  kind: 'tool_call' | 'plan' | 'permission' | 'question' | string;
  question?: IQuestionState;
  persona: string;
  chat_id?: string;
  tool_call?: IToolCall;
  permission?: IPermissionState;
  entries?: IPlanEntry[];
  description?: string;
}
