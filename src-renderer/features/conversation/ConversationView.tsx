import { useEffect, useState } from 'react';
import { useStudio } from '../../app/store.js';
import { EmptyState } from '../../ui/EmptyState.js';
import { ErrorNote } from '../../ui/Panel.js';
import { Transcript } from '../../ui/Transcript.js';
import type { Run } from '../timeline/run-model.js';
import { entriesOfOutput, entriesOfRequest, entryOfItem, type TranscriptEntry } from '../timeline/transcript.js';
import { loadChain, type Chain } from './chain.js';
import { loadConversation, type LoadedConversation } from './conversation-items.js';
import { truncationOf, truncationSummary, type TruncationNote } from './truncation.js';

/** Entries of stored items; those `truncation` dropped from this run's context are marked. */
function storedEntries(
  items: readonly unknown[],
  source: TranscriptEntry['source'],
  key: string,
  dropped: Set<string>,
) {
  return items.map((item, i) => {
    const entry = entryOfItem(item, source, `${key}-${i}`);
    const id = (item as { id?: unknown } | null)?.id;
    return typeof id === 'string' && dropped.has(id) ? { ...entry, dropped: true } : entry;
  });
}

/** Earlier responses of a previous_response_id chain, loaded from the gateway's store. */
function ChainBefore({ run, previousId, dropped }: { run: Run; previousId: string; dropped: Set<string> }) {
  const [chain, setChain] = useState<Chain | null>(null);
  // A primitive, not the connection object: a new object per call would re-render forever.
  const baseUrl = useStudio((s) => s.connectionFor(run.profileId)?.baseUrl ?? null);
  useEffect(() => {
    if (baseUrl === null) return;
    let live = true;
    setChain(null);
    void loadChain({ baseUrl }, previousId).then((c) => live && setChain(c));
    return () => {
      live = false;
    };
  }, [baseUrl, previousId]);
  if (baseUrl === null) return <ErrorNote message="The profile this run went to is not connected." />;
  if (!chain) return <div className="muted small-note">Loading the earlier responses from the store…</div>;
  return (
    <>
      <ErrorNote message={chain.error} testId="conversation-chain-error" />
      {chain.links.map((link) => {
        const entries: TranscriptEntry[] = [
          ...storedEntries(link.input, 'input', `${link.responseId}-in`, dropped),
          ...storedEntries(link.output, 'output', `${link.responseId}-out`, dropped),
        ];
        return (
          <section key={link.responseId} className="conversation-link" data-testid="conversation-link">
            <h3>
              <span className="mono">{link.responseId}</span>{' '}
              <span className="muted">· stored{link.model ? ` · ${link.model}` : ''}</span>
            </h3>
            <Transcript entries={entries} />
          </section>
        );
      })}
    </>
  );
}

/**
 * A Conversations API conversation: its items in sections by the response that added them (the
 * run's own section is left out: the run shows it below), or added directly with `…/items`.
 */
function ConversationBefore({
  run,
  conversationId,
  dropped,
}: {
  run: Run;
  conversationId: string;
  dropped: Set<string>;
}) {
  const [loaded, setLoaded] = useState<LoadedConversation | null>(null);
  const baseUrl = useStudio((s) => s.connectionFor(run.profileId)?.baseUrl ?? null);
  // Read again when the run ends: a completed response appends its items then.
  const ended = run.endedAt !== undefined;
  useEffect(() => {
    if (baseUrl === null) return;
    let live = true;
    void loadConversation({ baseUrl }, conversationId).then((c) => live && setLoaded(c));
    return () => {
      live = false;
    };
  }, [baseUrl, conversationId, ended]);
  if (baseUrl === null) return <ErrorNote message="The profile this run went to is not connected." />;
  if (!loaded) return <div className="muted small-note">Loading the conversation from the store…</div>;
  const sections = loaded.sections.filter((s) => s.responseId === null || s.responseId !== run.responseId);
  const responses = new Set(loaded.sections.map((s) => s.responseId).filter((id) => id !== null)).size;
  const metadata = Object.entries(loaded.metadata);
  return (
    <>
      <div className="conversation-head" data-testid="conversation-api">
        <span className="mono">{loaded.id}</span>{' '}
        <span className="muted">
          · {loaded.itemCount} item{loaded.itemCount === 1 ? '' : 's'} · {responses} response
          {responses === 1 ? '' : 's'}
          {metadata.length ? ` · ${metadata.map(([k, v]) => `${k}=${v}`).join(', ')}` : ''}
        </span>
      </div>
      <ErrorNote message={loaded.error} testId="conversation-api-error" />
      {sections.map((section, i) => (
        <section
          key={`${section.responseId ?? 'items'}-${i}`}
          className="conversation-link"
          data-testid="conversation-section"
        >
          <h3>
            {section.responseId ? (
              <>
                <span className="mono">{section.responseId}</span>{' '}
                <span className="muted">
                  · {section.status ?? 'not stored'}
                  {section.model ? ` · ${section.model}` : ''}
                </span>
              </>
            ) : (
              <span className="muted">Added to the conversation directly</span>
            )}
          </h3>
          <Transcript entries={storedEntries(section.items, 'input', `${conversationId}-${i}`, dropped)} />
        </section>
      ))}
    </>
  );
}

function TruncationLine({ note }: { note: TruncationNote }) {
  const dropped = note.measured ? note.dropped : [];
  return (
    <div className={`truncation-note${dropped.length ? ' dropped' : ''}`} data-testid="truncation-note">
      <div>{truncationSummary(note)}</div>
      {dropped.length ? (
        <div className="muted small-note mono" data-testid="truncation-dropped">
          {dropped.join(', ')}
        </div>
      ) : null}
    </div>
  );
}

/**
 * The run as a transcript beside the raw events: the earlier responses it continues (from the
 * store) or the conversation it belongs to, its own input, then what the model produced —
 * readable, tool calls and outputs included — and what `truncation` dropped.
 */
export function ConversationView({ run }: { run: Run }) {
  useStudio((s) => s.version);
  const previousId = typeof run.request.previous_response_id === 'string' ? run.request.previous_response_id : null;
  const conversation = run.request.conversation;
  const conversationId =
    typeof conversation === 'string'
      ? conversation
      : typeof (conversation as { id?: unknown } | null)?.id === 'string'
        ? (conversation as { id: string }).id
        : null;
  const note = truncationOf(run.responseHeaders);
  const dropped = new Set(note?.measured ? note.dropped : []);
  const inputEntries = entriesOfRequest(run.request, `${run.id}-in`);
  // Without earlier context, `context[i]` is this request's input item i (instructions are never dropped).
  const instructions = inputEntries.filter((e) => e.source === 'instructions').length;
  const ownInput =
    previousId === null && conversationId === null
      ? inputEntries.map((e, i) =>
          dropped.has(`context[${i - instructions}]`) && e.source === 'input' ? { ...e, dropped: true } : e,
        )
      : inputEntries;
  const own = [...ownInput, ...entriesOfOutput(run.items, `${run.id}-out`)];
  return (
    <div className="conversation-view" data-testid="conversation-view">
      {note ? <TruncationLine note={note} /> : null}
      {conversationId ? <ConversationBefore run={run} conversationId={conversationId} dropped={dropped} /> : null}
      {previousId ? <ChainBefore run={run} previousId={previousId} dropped={dropped} /> : null}
      <section className="conversation-link current" data-testid="conversation-current">
        <h3>
          {run.responseId ? <span className="mono">{run.responseId}</span> : 'This run'}{' '}
          <span className="muted">· {run.status}</span>
        </h3>
        {own.length ? (
          <Transcript entries={own} testId="conversation-transcript" />
        ) : (
          <EmptyState title="Nothing to read yet">The request has no input items and no output has arrived.</EmptyState>
        )}
      </section>
    </div>
  );
}
