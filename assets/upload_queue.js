/*
 * Browser side of imageapp's per-file uploads (imported by the compiled Reflex pages).
 *
 * A File cannot travel through Reflex state, so each chosen file waits here under a random
 * reference until its card starts its own streaming upload: one request per file gives
 * every file its own progress, its own cancel, and keeps one bad file from failing others.
 */
import { createElement, useEffect, useRef } from "react";
import { refs } from "$/utils/state";

const waiting = new Map();

function newReference() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes); // unlike randomUUID, also available on plain http
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/* Keep the files; describe them (reference, name, size, type) for the server. */
export function stashFiles(files) {
  return Array.from(files ?? []).map((file) => {
    const ref = newReference();
    waiting.set(ref, file);
    return {
      ref,
      name: String(file.name ?? ""),
      size: Number(file.size ?? 0),
      type: String(file.type ?? ""),
    };
  });
}

/* The file waiting under `ref`, as the one-element list an upload sends (taken only once). */
export function takeFile(ref) {
  const file = waiting.get(ref);
  waiting.delete(ref);
  return file ? [file] : [];
}

/* Abort the upload request Reflex runs under `uploadId` (rx.cancel_upload for a dynamic id). */
export function abortUpload(uploadId) {
  refs[`__upload_controllers_${uploadId}`]?.abort();
}

/* Fires onStart once, when it first mounts: a queued card starts its own upload. */
export function UploadStarter({ onStart }) {
  const started = useRef(false);
  useEffect(() => {
    if (started.current) {
      return;
    }
    started.current = true;
    onStart?.();
  }, []);
  return null;
}

/* Its children (a button) open a file chooser; chosen files are stashed and reported. */
export function FilePicker({ onFiles, multiple, accept, label, children }) {
  const input = useRef(null);
  return createElement(
    "span",
    {
      style: { display: "contents" },
      onClick: (event) => {
        if (event.target !== input.current) {
          input.current?.click();
        }
      },
    },
    children,
    createElement("input", {
      ref: input,
      type: "file",
      hidden: true,
      tabIndex: -1,
      multiple: Boolean(multiple),
      accept: accept || undefined,
      "aria-label": label,
      onChange: (event) => {
        const files = event.target.files;
        if (files && files.length > 0) {
          onFiles?.(stashFiles(files));
        }
        event.target.value = "";
      },
    }),
  );
}
