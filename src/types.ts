/**
 * What the server writes in chat messages, as the frontend reads it.
 *
 * The shapes come from `messageMeta.generated.ts`, generated from the server's pydantic models
 * (`make types`; `tests/unit/test_message_schema.py` fails when it is stale), so the two cannot
 * drift. The server leaves out what is null, so a field that may be null there is optional here.
 */
import type {
  IPermissionMessage,
  IPermissionOption,
  IPlanMessage,
  IQuestionMessage,
  IToolCallMessage
} from './messageMeta.generated';

export type * from './messageMeta.generated';

export const RICH_MIME = 'application/vnd.jupyter-ai-personas.v1+json';
/** A reply whose body is shared text while it streams (`reply_stream.py`). */
export const LIVE_MIME = 'application/vnd.jupyter-ai-personas.live+json';
/** Where the server's awareness says which messages wait for a busy persona. */
export const QUEUE_AWARENESS_KEY = 'jupyter_ai_personas_queue';

export type OptionKind = IPermissionOption['kind'];

/** The data of a rich message's MIME model: its metadata, and the chat it belongs to. */
export type IRichMessage = (IToolCallMessage | IPlanMessage | IPermissionMessage | IQuestionMessage) & {
  chat_id?: string;
};
