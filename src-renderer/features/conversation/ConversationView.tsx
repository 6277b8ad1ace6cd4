import { useEffect, useState } from 'react';
import { useStudio } from '../../app/store.js';
import { EmptyState } from '../../ui/EmptyState.js';
import { ErrorNote } from '../../ui/Panel.js';
import { Transcript } from '../../ui/Transcript.js';
import type { Run } from '../timeline/run-model.js';
import { entriesOfOutput, entriesOfRequest, entryOfItem, type TranscriptEntry } from '../timeline/transcript.js';
import { loadChain, type Chain } from './chain.js';

/** Earlier responses of a previous_response_id chain, loaded from the gateway's store. */
function ChainBefore({ run, previousId }: { run: Run; previousId: string }) {
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
          ...link.input.map((item, i) => entryOfItem(item, 'input', `${link.responseId}-in-${i}`)),
          ...link.output.map((item, i) => entryOfItem(item, 'output', `${link.responseId}-out-${i}`)),
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
 * The run as a transcript beside the raw events: the earlier responses it continues (from the
 * store), its own input, then what the model produced — readable, tool calls and outputs included.
 */
export function ConversationView({ run }: { run: Run }) {
  useStudio((s) => s.version);
  const previousId = typeof run.request.previous_response_id === 'string' ? run.request.previous_response_id : null;
  const conversation = run.request.conversation;
  const own = [...entriesOfRequest(run.request, `${run.id}-in`), ...entriesOfOutput(run.items, `${run.id}-out`)];
  return (
    <div className="conversation-view" data-testid="conversation-view">
      {conversation !== undefined && conversation !== null ? (
        <div className="unavailable">
          This request names a conversation; its earlier items are not shown (the Conversations API is not available on
          this gateway).
        </div>
      ) : null}
      {previousId ? <ChainBefore run={run} previousId={previousId} /> : null}
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
