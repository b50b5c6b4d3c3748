/*
 * Browser side of imageapp's per-file uploads (imported by the compiled Reflex pages).
 *
 * A File cannot travel through Reflex state, so each chosen file waits here under a random
 * reference until its card mounts a <TusUpload>, which sends it to the tus 1.0.0 server at
 * /tus/ with tus-js-client (npm, pinned in imageapp/pages/upload_queue.py). One upload per
 * file gives every file its own progress and cancel; tus makes it resumable:
 *
 * - a failed request is retried with backoff, from the offset the server reports (HEAD);
 * - offline, the upload waits for the network and then continues by itself;
 * - tus-js-client keeps each upload's URL in localStorage under the file's fingerprint
 *   (name, type, size, modification time), so the same file chosen again after a reload
 *   or a server restart continues where it stopped instead of starting over.
 *
 * The server's answer after the last byte (GET /tus/{id}, step 1's JSON) goes to the State,
 * which checks the upload token against the logged-in user before showing anything.
 */
import { createElement, useEffect, useRef, useState } from "react";
import * as tus from "tus-js-client";
import env from "$/env.json";
import { getBackendURL } from "$/utils/state";

const waiting = new Map(); // reference -> File, until its upload starts
const running = new Map(); // card key -> { upload, cancelled }
const listeners = new Map(); // card key -> the latest props of its <TusUpload>
const finished = new Set(); // card keys whose upload ended (never started twice)

// Backoff between retries of a failed request (ms); the count restarts after progress.
const RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000, 30000, 60000];
const PROGRESS_EVERY_MS = 250;
const OFFLINE_CHECK_MS = 5000;
const UNREACHABLE =
  "The server could not be reached. Choose the same file again to continue where it stopped.";

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

function tell(key, name, payload) {
  listeners.get(key)?.[name]?.(payload);
}

function tusEndpoint() {
  // The backend's address as Reflex's own uploads use it (same origin in every setup).
  return new URL("/tus/", getBackendURL(env.UPLOAD)).toString();
}

function retryable(error) {
  const status = error?.originalResponse?.getStatus?.() ?? 0;
  if (typeof navigator !== "undefined" && navigator.onLine === false) {
    return false; // offline: waitForNetwork() continues once the browser is back
  }
  return !(status >= 400 && status < 500) || status === 409 || status === 423;
}

/* The server's own words for a refusal ({"errors": [{"message"}]}), else a general one. */
function refusalMessage(status, body) {
  try {
    const message = JSON.parse(body || "{}")?.errors?.[0]?.message;
    if (typeof message === "string" && message) {
      return message;
    }
  } catch (_notJson) {
    // fall through
  }
  return status ? `The upload failed (the server answered ${status}).` : UNREACHABLE;
}

/* Offline: say so on the card (in the browser: the State cannot hear it now), then go on. */
function waitForNetwork(key, entry) {
  tell(key, "setOffline", true);
  const resume = () => {
    window.removeEventListener("online", resume);
    clearInterval(entry.offlineTimer);
    entry.offlineTimer = null;
    tell(key, "setOffline", false);
    if (!entry.cancelled) {
      entry.upload.start(); // HEAD first: continues from the server's offset
    }
  };
  window.addEventListener("online", resume);
  entry.offlineTimer = setInterval(() => navigator.onLine && resume(), OFFLINE_CHECK_MS);
}

async function reportOutcome(key, entry) {
  try {
    const response = await fetch(entry.upload.url, {
      credentials: "same-origin",
      headers: { "Tus-Resumable": "1.0.0" },
    });
    const text = await response.text();
    if (response.ok) {
      tell(key, "onFinished", JSON.parse(text));
    } else {
      tell(key, "onFailed", { message: refusalMessage(response.status, text) });
    }
  } catch (_error) {
    tell(key, "onFailed", { message: UNREACHABLE, resumable: true });
  }
}

function startUpload(key, file, chunkSize) {
  const entry = { upload: null, cancelled: false, afterHead: false, offlineTimer: null };
  let lastProgress = 0;
  const upload = new tus.Upload(file, {
    endpoint: tusEndpoint(),
    chunkSize: chunkSize > 0 ? chunkSize : Number.POSITIVE_INFINITY,
    retryDelays: RETRY_DELAYS,
    metadata: { filename: file.name, filetype: file.type },
    storeFingerprintForResuming: true,
    removeFingerprintOnSuccess: true,
    onShouldRetry: retryable,
    onBeforeRequest: (request) => {
      const method = request.getMethod();
      if (method === "HEAD") {
        entry.afterHead = true; // resuming: a retry, or a file chosen again
      } else if (method === "PATCH" && entry.afterHead) {
        entry.afterHead = false;
        const offset = Number.parseInt(request.getHeader("Upload-Offset"), 10) || 0;
        if (offset > 0) {
          tell(key, "onResuming", { offset, total: file.size });
        }
      }
    },
    onProgress: (sent, total) => {
      const now = Date.now();
      if (sent < total && now - lastProgress < PROGRESS_EVERY_MS) {
        return;
      }
      lastProgress = now;
      tell(key, "onProgress", { sent, total });
    },
    onError: (error) => {
      if (entry.cancelled) {
        return;
      }
      if (navigator.onLine === false) {
        waitForNetwork(key, entry);
        return;
      }
      running.delete(key);
      finished.add(key);
      const response = error?.originalResponse;
      const status = response?.getStatus?.() ?? 0;
      tell(key, "onFailed", {
        message: refusalMessage(status, response?.getBody?.()),
        resumable: !status || status >= 500, // the server keeps what it has: choose it again
      });
    },
    onSuccess: () => {
      running.delete(key);
      finished.add(key);
      if (!entry.cancelled) {
        tell(key, "onProgress", { sent: file.size, total: file.size });
      }
      // Even when Cancel came meanwhile: the State then discards the pending upload.
      reportOutcome(key, entry);
    },
  });
  entry.upload = upload;
  running.set(key, entry);
  upload.findPreviousUploads().then((previous) => {
    if (entry.cancelled) {
      return;
    }
    if (previous.length > 0) {
      // The newest one: an older entry may point at an upload that expired.
      previous.sort((a, b) => String(b.creationTime).localeCompare(String(a.creationTime)));
      upload.resumeFromPreviousUpload(previous[0]);
    }
    upload.start();
  });
}

/* Stop the upload of card `key` and delete what the server has of it (tus termination). */
export function cancelUpload(key) {
  const entry = running.get(key);
  running.delete(key);
  finished.add(key);
  if (!entry) {
    return;
  }
  entry.cancelled = true;
  clearInterval(entry.offlineTimer);
  entry.upload?.abort(true).catch(() => {
    // Unreachable now: the server's expiry removes the upload later.
  });
}

/*
 * Mounted by a card still uploading: starts the upload of its file once (or, when the file
 * is gone because the page was reloaded, says so with onLost) and passes the upload's events
 * on to the latest handlers the card gave. Renders nothing, except while the network is
 * gone: the State cannot be told then (its websocket is down too), so the card says it here.
 */
export function TusUpload(props) {
  const { uploadKey, fileRef, chunkSize } = props;
  const [offline, setOffline] = useState(false);
  listeners.set(uploadKey, { ...props, setOffline });
  const started = useRef(false);
  useEffect(() => {
    if (started.current || running.has(uploadKey) || finished.has(uploadKey)) {
      return;
    }
    started.current = true;
    const file = waiting.get(fileRef);
    waiting.delete(fileRef);
    if (file) {
      startUpload(uploadKey, file, Number(chunkSize) || 0);
    } else {
      props.onLost?.({ lost: true });
    }
  }, [uploadKey]);
  if (!offline) {
    return null;
  }
  return createElement(
    "p",
    { className: "rt-Text rt-r-size-2 upload-offline", role: "status" },
    "Connection lost: the upload goes on when the network is back.",
  );
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
