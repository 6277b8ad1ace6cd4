import type { ReactNode } from 'react';

export function Panel({
  title,
  actions,
  children,
  className,
  testId,
}: {
  title: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
  testId?: string;
}) {
  return (
    <section className={`panel ${className ?? ''}`} data-testid={testId}>
      <header className="panel-header">
        <h2>{title}</h2>
        <div className="panel-actions">{actions}</div>
      </header>
      <div className="panel-body">{children}</div>
    </section>
  );
}

/** An error shown where it happened, never swallowed. */
export function ErrorNote({ message, testId }: { message?: string; testId?: string }) {
  if (!message) return null;
  return (
    <div className="error-note" role="alert" data-testid={testId}>
      {message}
    </div>
  );
}

/** A feature the connected gateway does not offer (from /v1/capabilities). */
export function Unavailable({ feature, detail }: { feature: string; detail?: string }) {
  return (
    <div className="unavailable" data-testid="unavailable">
      <strong>{feature}</strong> is not available on this gateway{detail ? `: ${detail}` : '.'}
    </div>
  );
}
