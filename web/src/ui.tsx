// Shared pieces: loading / error / empty states, userErrors next to their field,
// a confirmation dialog, and the ECharts wrapper.
import { useEffect, useRef, type ReactNode } from "react";
import type { CombinedError } from "urql";

export interface UserErrorLike {
  field: string[];
  message: string;
  code: string;
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="state" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function ErrorState({ error, what }: { error: CombinedError | Error; what: string }) {
  const unauthenticated = "graphQLErrors" in error && error.graphQLErrors.some((e) => e.extensions?.code === "UNAUTHENTICATED");
  const forbidden = "graphQLErrors" in error && error.graphQLErrors.some((e) => e.extensions?.code === "FORBIDDEN");
  const message = unauthenticated
    ? "Your sign-in is no longer valid. Sign out and sign in again."
    : forbidden
      ? "Your role may not see this."
      : "graphQLErrors" in error && error.graphQLErrors[0]
        ? error.graphQLErrors[0].message
        : "networkError" in error && error.networkError
          ? "The service cannot be reached. It retries when it is back."
          : error.message;
  return (
    <div className="state error" role="alert">
      <strong>Could not load {what}.</strong> {message}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="state empty">{children}</p>;
}

/** The userErrors that name this field (the last path segment), or all of them when field is omitted. */
export function FieldErrors({ errors, field, id }: { errors: readonly UserErrorLike[] | undefined; field?: string; id?: string }) {
  const list = (errors ?? []).filter((e) => (field === undefined ? true : e.field[e.field.length - 1] === field));
  if (list.length === 0) return null;
  return (
    <ul className="field-errors" role="alert" id={id}>
      {list.map((e, i) => (
        <li key={i}>
          {e.message} <span className="code">({e.code})</span>
        </li>
      ))}
    </ul>
  );
}

/** userErrors that name no field of the form (shown at the form's top). */
export function otherErrors(errors: readonly UserErrorLike[] | undefined, fields: string[]): UserErrorLike[] {
  return (errors ?? []).filter((e) => !fields.includes(e.field[e.field.length - 1] ?? ""));
}

export function Dialog({ title, children, onClose }: { title: string; children: ReactNode; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog ref={ref} aria-labelledby="dialog-title" onCancel={(e) => (e.preventDefault(), onClose())}>
      <h2 id="dialog-title">{title}</h2>
      {children}
    </dialog>
  );
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : `${Math.round(value * 1000) / 10} %`;
}
