/**
 * What a reply cost, under its last message: the model, the turn's tokens, the context in use
 * and the session's cost so far, as the agent reported them.
 */
import type { MessageFooterSectionProps } from '@jupyter/chat';
import * as React from 'react';

import type { IReplyUsage } from './types';

const KEY = 'jupyter_ai_personas';

function count(value: number): string {
  if (value >= 1_000_000) {
    return `${+(value / 1_000_000).toFixed(1)}M`;
  }
  if (value >= 10_000) {
    return `${Math.round(value / 1000)}k`;
  }
  return value >= 1000 ? `${(value / 1000).toFixed(1)}k` : `${value}`;
}

/** "sonnet · 1.2k in, 310 out · context 12k of 200k · USD 0.04 this session" */
export function usageLine(usage: IReplyUsage): string {
  const parts: string[] = [];
  if (usage.model) {
    parts.push(usage.model);
  }
  if (usage.input_tokens !== undefined || usage.output_tokens !== undefined) {
    parts.push(`${count(usage.input_tokens ?? 0)} in, ${count(usage.output_tokens ?? 0)} out`);
  }
  if (usage.context_used !== undefined) {
    const size = usage.context_size ? ` of ${count(usage.context_size)}` : '';
    parts.push(`context ${count(usage.context_used)}${size}`);
  }
  if (usage.cost !== undefined) {
    parts.push(`${usage.currency ?? ''} ${usage.cost.toFixed(2)} this session`.trim());
  }
  return parts.join(' · ');
}

export function UsageFooter(props: MessageFooterSectionProps): JSX.Element | null {
  const meta = (props.message.metadata as Record<string, { usage?: IReplyUsage }> | undefined)?.[KEY];
  if (!meta?.usage) {
    return null;
  }
  return <span className="jp-AIPersonas-usage">{usageLine(meta.usage)}</span>;
}
