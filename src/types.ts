/**
 * The structured form of rich persona messages (MIME type RICH_MIME), as the server writes it.
 *
 * Mirrors the pydantic models of `jupyter_ai_personas/message_meta.py`, interface by interface
 * (`tests/unit/test_message_meta.py` fails when a field or a literal differs). The server leaves
 * out what is null, so a field that may be null there is optional here.
 */
export const RICH_MIME = 'application/vnd.jupyter-ai-personas.v1+json';

export type OptionKind = 'allow_once' | 'allow_always' | 'reject_once' | 'reject_always';

export interface IPermissionOption {
  option_id: string;
  name: string;
  kind: OptionKind;
}

/** How a request ended: the option chosen and by whom, or why it did not get one. */
export interface IPermissionRecord {
  outcome?: 'selected' | 'cancelled';
  option_id?: string;
  kind?: OptionKind;
  by?: string;
  line: string;
  at?: number;
}

export interface IPermissionState {
  request: number;
  persona: string;
  title: string;
  options: IPermissionOption[];
  status: 'pending' | 'answered' | 'timeout' | 'cancelled' | 'expired';
  /** what an "always" answer would cover */
  always_scope?: string;
  answer?: IPermissionRecord;
}

export interface IToolContent {
  type: 'diff' | 'terminal' | 'text';
  path?: string;
  diff?: string;
  command?: string;
  output?: string;
  exit_code?: number;
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
  command?: string;
  note?: string;
  /** paths that need a person's answer, and why (outside the root, hidden, protected) */
  warnings: string[];
}

export interface IPlanEntry {
  content: string;
  status: 'pending' | 'in_progress' | 'completed';
  priority?: string;
}

export interface IQuestionChoice {
  value: string;
  title: string;
  description: string;
}

export interface IQuestionField {
  name: string;
  title: string;
  kind: 'choice' | 'text' | 'boolean' | 'number';
  description: string;
  choices: IQuestionChoice[];
  required: boolean;
}

export interface IQuestionRecord {
  action: 'accept' | 'decline' | 'cancel';
  values: Record<string, unknown>;
  by?: string;
  line: string;
  at?: number;
}

/** A persona's question to the chat (ACP elicitation). */
export interface IQuestionState {
  question: number;
  persona: string;
  message: string;
  fields: IQuestionField[];
  url?: string;
  status: 'pending' | 'answered' | 'cancelled';
  answer?: IQuestionRecord;
}

/** Any rich message: the fields its kind has are set. */
export interface IRichMessage {
  kind: 'tool_call' | 'plan' | 'permission' | 'question';
  persona: string;
  chat_id?: string;
  tool_call?: IToolCall;
  permission?: IPermissionState;
  entries?: IPlanEntry[];
  description?: string;
  question?: IQuestionState;
}

/** What a reply cost, as its agent reported it (on the reply's last message, in its metadata). */
export interface IReplyUsage {
  model?: string;
  input_tokens?: number;
  output_tokens?: number;
  context_used?: number;
  context_size?: number;
  cost?: number;
  currency?: string;
}
