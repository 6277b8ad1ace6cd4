import { useStudio } from '../../app/store.js';
import type { ReplaySpeed } from '../../../src-server/shared/recording-format/replay.js';
import { playbackControls } from './actions.js';

const SPEEDS: { value: string; label: string }[] = [
  { value: 'instant', label: 'instant' },
  { value: '0.5', label: '0.5×' },
  { value: '1', label: '1×' },
  { value: '2', label: '2×' },
  { value: '5', label: '5×' },
  { value: '10', label: '10×' },
];

/** Pause, step, speed and stop for a recording playing back into the timeline. */
export function ReplayBar({ runId }: { runId: string }) {
  const pb = useStudio((s) => s.library.playbacks[runId]);
  if (!pb) return null;
  const act = (fn: () => void) => () => {
    fn();
    playbackControls.sync(runId);
  };
  return (
    <div className="replay-bar" data-testid="replay-bar" data-done={String(pb.done)} data-paused={String(pb.paused)}>
      <span className="badge">replay</span>
      {pb.done ? null : pb.paused ? (
        <button data-testid="replay-resume" onClick={act(() => playbackControls.resume(runId))}>
          ▶ Resume
        </button>
      ) : (
        <button data-testid="replay-pause" onClick={act(() => playbackControls.pause(runId))}>
          ❚❚ Pause
        </button>
      )}
      {pb.done ? null : (
        <button
          data-testid="replay-step"
          onClick={act(() => playbackControls.step(runId))}
          title="Apply the next recorded event now"
        >
          Step
        </button>
      )}
      <label>
        Speed{' '}
        <select
          data-testid="replay-speed"
          value={String(pb.speed)}
          disabled={pb.done}
          onChange={(e) =>
            playbackControls.setSpeed(
              runId,
              (e.target.value === 'instant' ? 'instant' : Number(e.target.value)) as ReplaySpeed,
            )
          }
        >
          {SPEEDS.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </select>
      </label>
      {pb.done ? null : (
        <button data-testid="replay-stop" onClick={act(() => playbackControls.stop(runId))}>
          Stop
        </button>
      )}
      <span className="mono" data-testid="replay-position" data-position={pb.position} data-total={pb.total}>
        {pb.position}/{pb.total} events{pb.done ? ' · finished' : ''}
      </span>
    </div>
  );
}
