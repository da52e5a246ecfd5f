"use client";
import { useId, type InputHTMLAttributes, type ReactNode } from "react";

/** A labelled input with its hint and error wired for screen readers. */
export function Field({
  label,
  hint,
  error,
  children,
  ...input
}: { label: string; hint?: ReactNode; error?: string | null; children?: (props: { id: string; describedBy: string | undefined; invalid: boolean }) => ReactNode } & Omit<InputHTMLAttributes<HTMLInputElement>, "children">) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ") || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children ? children({ id, describedBy, invalid: !!error }) : <input id={id} aria-describedby={describedBy} aria-invalid={error ? true : undefined} {...input} />}
      {hint && (
        <span id={hintId} className="hint">
          {hint}
        </span>
      )}
      {error && (
        <span id={errorId} className="field-error">
          {error}
        </span>
      )}
    </div>
  );
}
