// Upload a talk's video in parts, straight to storage: presigned S3 part URLs, or the application's own
// part URLs when the site runs without S3 (the same code; the server decides where parts go).
//
// The server plans the parts (size and count) and signs them in batches; parts go in parallel, each
// retried with back-off (and held while the browser is offline); pause stops and resumes them; an
// interrupted upload continues when the same file is chosen again: the server lists the parts it
// already holds, and only the others are sent. A form with [data-video-upload] on the page is all
// this needs; there is no inline script (strict CSP).

const MIB = 1024 * 1024;
const RETRIES = 6;
const RETRY_DELAYS = [1000, 2000, 4000, 8000, 16000, 30000];
const SIGN_BATCH = 20;
const URL_MAX_AGE_MS = 20 * 60 * 1000; // re-sign well before the server's expiry
const SPEED_WINDOW_MS = 8000;
const POLL_MS = 2500;

class Stop extends Error {
  constructor() {
    super("stopped");
    this.name = "Stop";
  }
}

class HttpError extends Error {
  constructor(message, status, data) {
    super(message);
    this.status = status;
    this.data = data || {};
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function requestJSON(url, { method = "GET", body, csrf } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (csrf) headers["X-CSRFToken"] = csrf;
  let response;
  try {
    response = await fetch(url, {
      method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new HttpError("The site could not be reached; check the connection.", 0);
  }
  let data = {};
  try {
    data = await response.json();
  } catch (error) {
    data = {};
  }
  if (!response.ok) {
    throw new HttpError(data.error || `The site answered ${response.status}.`, response.status, data);
  }
  return data;
}

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

// Identifies "the same file" across page loads: size (added by the server), modification time and a hash
// of its first and last MiB; without WebCrypto (plain http on another host) the name stands in for the hash.
async function fingerprint(file) {
  if (globalThis.crypto && crypto.subtle) {
    const head = await file.slice(0, MIB).arrayBuffer();
    const tail = await file.slice(Math.max(0, file.size - MIB)).arrayBuffer();
    const both = new Uint8Array(head.byteLength + tail.byteLength);
    both.set(new Uint8Array(head), 0);
    both.set(new Uint8Array(tail), head.byteLength);
    return `${file.lastModified}:sha256:${hex(await crypto.subtle.digest("SHA-256", both))}`;
  }
  return `${file.lastModified}:name:${file.name}`;
}

function formatBytes(bytes) {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${Math.round(bytes / 1e3)} kB`;
}

function formatDuration(seconds) {
  if (!isFinite(seconds)) return "";
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

class Upload {
  constructor(file, session, { csrf, concurrency, onProgress, onNotice }) {
    this.file = file;
    this.session = session;
    this.csrf = csrf;
    this.concurrency = Math.max(1, concurrency || 4);
    this.onProgress = onProgress;
    this.onNotice = onNotice;
    this.parts = new Map();
    this.signing = new Map();
    this.paused = false;
    this.cancelled = false;
    this.samples = [];
    this.sentThisSession = 0;
    const stored = new Map(session.parts.map((p) => [p.number, p]));
    for (let number = 1; number <= session.partCount; number++) {
      const start = (number - 1) * session.partSize;
      const size = Math.min(session.partSize, file.size - start);
      const known = stored.get(number);
      const done = Boolean(known && known.size === size && known.etag);
      this.parts.set(number, {
        number, start, size, etag: done ? known.etag : null, state: done ? "done" : "pending", loaded: 0,
        xhr: null, url: null, urlAt: 0,
      });
    }
    this.alreadyStored = [...this.parts.values()].filter((p) => p.state === "done").length;
  }

  get total() {
    return this.file.size;
  }

  get doneBytes() {
    let bytes = 0;
    for (const part of this.parts.values()) {
      if (part.state === "done") bytes += part.size;
      else if (part.state === "sending") bytes += part.loaded;
    }
    return bytes;
  }

  progress() {
    const now = performance.now();
    const done = this.doneBytes;
    this.samples.push([now, this.sentThisSession + this.inFlightBytes()]);
    while (this.samples.length > 2 && now - this.samples[0][0] > SPEED_WINDOW_MS) this.samples.shift();
    const [t0, b0] = this.samples[0];
    const elapsed = (now - t0) / 1000;
    const speed = elapsed > 0.5 ? (this.sentThisSession + this.inFlightBytes() - b0) / elapsed : NaN;
    const left = speed > 0 ? (this.total - done) / speed : NaN;
    const partsDone = [...this.parts.values()].filter((p) => p.state === "done").length;
    this.onProgress({ done, total: this.total, speed, left, partsDone, partCount: this.parts.size });
  }

  inFlightBytes() {
    let bytes = 0;
    for (const part of this.parts.values()) if (part.state === "sending") bytes += part.loaded;
    return bytes;
  }

  async run() {
    this.paused = false;
    for (let round = 0; round < 3; round++) {
      this.failure = null;
      await Promise.all(Array.from({ length: this.concurrency }, () => this.worker()));
      if (this.paused || this.cancelled) throw new Stop();
      if (this.failure) throw this.failure;
      try {
        return await this.complete();
      } catch (error) {
        if (!(error instanceof HttpError && error.status === 409 && Array.isArray(error.data.missing))) throw error;
        for (const number of error.data.missing) {
          const part = this.parts.get(number);
          if (part) Object.assign(part, { state: "pending", etag: null, loaded: 0 });
        }
        this.onNotice(`Sending ${error.data.missing.length} part(s) again.`);
      }
    }
    throw new Error("The upload could not be completed; please choose the file again.");
  }

  nextPending() {
    for (const part of this.parts.values()) if (part.state === "pending") return part;
    return null;
  }

  async worker() {
    while (!this.paused && !this.cancelled && !this.failure) {
      const part = this.nextPending();
      if (!part) return;
      part.state = "sending";
      part.loaded = 0;
      try {
        await this.sendPart(part);
        part.state = "done";
        this.sentThisSession += part.size;
        part.loaded = 0;
        this.progress();
      } catch (error) {
        part.state = "pending";
        part.loaded = 0;
        if (!(error instanceof Stop)) this.failure = this.failure || error;
        return;
      }
    }
  }

  async sendPart(part) {
    for (let attempt = 1; ; attempt++) {
      if (this.paused || this.cancelled) throw new Stop();
      try {
        const url = await this.urlFor(part);
        part.etag = await this.put(part, url);
        return;
      } catch (error) {
        if (error instanceof Stop || error.fatal) throw error;
        if (error.status >= 400 && error.status < 500) part.url = null; // expired or refused: sign again
        if (attempt >= RETRIES) {
          throw new Error(`Part ${part.number} could not be sent after ${RETRIES} tries (${error.message}).`);
        }
        await this.waitToRetry(attempt);
      }
    }
  }

  async waitToRetry(attempt) {
    if (navigator.onLine === false) {
      this.onNotice("The connection is lost; the upload continues when it is back.");
      await new Promise((resolve) => window.addEventListener("online", resolve, { once: true }));
      this.onNotice("");
      return;
    }
    await sleep(RETRY_DELAYS[Math.min(attempt - 1, RETRY_DELAYS.length - 1)]);
  }

  async urlFor(part) {
    if (part.url && Date.now() - part.urlAt < URL_MAX_AGE_MS) return part.url;
    if (!this.signing.has(part.number)) {
      const numbers = [part.number];
      for (const other of this.parts.values()) {
        if (numbers.length >= SIGN_BATCH) break;
        const fresh = other.url && Date.now() - other.urlAt < URL_MAX_AGE_MS;
        if (other !== part && other.state === "pending" && !fresh && !this.signing.has(other.number)) {
          numbers.push(other.number);
        }
      }
      const request = requestJSON(this.session.signUrl, { method: "POST", body: { parts: numbers }, csrf: this.csrf })
        .then((data) => {
          for (const [number, url] of Object.entries(data.urls)) {
            const target = this.parts.get(Number(number));
            if (target) Object.assign(target, { url, urlAt: Date.now() });
          }
        })
        .finally(() => numbers.forEach((n) => this.signing.delete(n)));
      numbers.forEach((n) => this.signing.set(n, request));
    }
    try {
      await this.signing.get(part.number);
    } catch (error) {
      if (error instanceof HttpError && (error.status === 403 || error.status === 400)) error.fatal = true;
      throw error;
    }
    if (!part.url) throw new Error(`no address for part ${part.number}`);
    return part.url;
  }

  put(part, url) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      part.xhr = xhr;
      xhr.open("PUT", url);
      xhr.upload.onprogress = (event) => {
        part.loaded = event.loaded;
        this.progress();
      };
      xhr.onload = () => {
        part.xhr = null;
        if (xhr.status >= 200 && xhr.status < 300) {
          const etag = xhr.getResponseHeader("ETag");
          if (!etag) {
            const error = new Error("the storage hid the part's ETag (its CORS rule must expose ETag)");
            error.fatal = true;
            reject(error);
            return;
          }
          resolve(etag.replaceAll('"', ""));
        } else {
          const error = new Error(`the storage answered ${xhr.status}`);
          error.status = xhr.status;
          error.fatal = xhr.status === 404;
          reject(error);
        }
      };
      xhr.onerror = () => {
        part.xhr = null;
        reject(new Error("network error"));
      };
      xhr.onabort = () => {
        part.xhr = null;
        reject(new Stop());
      };
      xhr.send(this.file.slice(part.start, part.start + part.size));
    });
  }

  complete() {
    const parts = [...this.parts.values()].map((p) => ({ number: p.number, etag: p.etag }));
    return requestJSON(this.session.completeUrl, { method: "POST", body: { parts }, csrf: this.csrf });
  }

  pause() {
    this.paused = true;
    for (const part of this.parts.values()) if (part.xhr) part.xhr.abort();
  }

  async cancel() {
    this.cancelled = true;
    this.pause();
    await requestJSON(this.session.abortUrl, { method: "POST", body: {}, csrf: this.csrf });
  }
}

function setUp(form) {
  const input = form.querySelector('input[type="file"]');
  const startButton = form.querySelector("[data-start]");
  const progressBox = form.querySelector("[data-progress]");
  const bar = progressBox.querySelector("progress");
  const percent = progressBox.querySelector("[data-percent]");
  const detail = progressBox.querySelector("[data-detail]");
  const pauseButton = form.querySelector("[data-pause]");
  const resumeButton = form.querySelector("[data-resume]");
  const cancelButton = form.querySelector("[data-cancel]");
  const message = form.querySelector("[data-message]");
  const csrf = form.querySelector('input[name="csrfmiddlewaretoken"]').value;
  const maxBytes = Number(form.dataset.maxBytes);
  const containers = form.dataset.containers.split(",");
  let upload = null;

  function say(text, { error = false } = {}) {
    message.textContent = text;
    message.classList.toggle("is-error", error);
  }

  function busy(on) {
    input.disabled = on;
    startButton.disabled = on;
    progressBox.hidden = !on;
  }

  function showProgress({ done, total, speed, left, partsDone, partCount }) {
    const value = total ? Math.floor((done / total) * 1000) / 10 : 0;
    bar.value = value;
    percent.textContent = `${value.toFixed(1)}%`;
    const bits = [`${formatBytes(done)} of ${formatBytes(total)}`, `part ${partsDone} of ${partCount} stored`];
    if (speed > 0) bits.push(`${formatBytes(speed)}/s`);
    if (left > 0) bits.push(`about ${formatDuration(left)} left`);
    detail.textContent = `· ${bits.join(" · ")}`;
  }

  async function watch(statusUrl) {
    for (;;) {
      await sleep(POLL_MS);
      let status;
      try {
        status = await requestJSON(statusUrl);
      } catch (error) {
        continue;
      }
      if (status.final) {
        say(status.state === "ready" ? `The video is ready (${status.duration}).` : `${status.stateLabel}: ${status.reason}`,
          { error: status.state !== "ready" });
        setTimeout(() => window.location.reload(), 1200);
        return;
      }
    }
  }

  async function go() {
    try {
      await upload.run();
      pauseButton.hidden = resumeButton.hidden = cancelButton.hidden = true;
      say("Upload complete. The video is being checked; this page shows the result when it is done, and you will get an email.");
      watch(upload.session.statusUrl);
    } catch (error) {
      if (error instanceof Stop) return;
      busy(false);
      say(`The upload stopped: ${error.message} The parts already sent are kept: choose the same file again to continue.`,
        { error: true });
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = input.files[0];
    if (!file) {
      say("Choose a video file first.", { error: true });
      return;
    }
    const extension = file.name.includes(".") ? file.name.split(".").pop().toLowerCase() : "";
    if (!containers.includes(extension)) {
      say(`Only ${containers.join(", ").toUpperCase()} files are accepted.`, { error: true });
      return;
    }
    if (file.size > maxBytes) {
      say(`The file is ${formatBytes(file.size)}; the limit is ${formatBytes(maxBytes)}.`, { error: true });
      return;
    }
    busy(true);
    pauseButton.hidden = false;
    resumeButton.hidden = true;
    cancelButton.hidden = false;
    say("Preparing the upload…");
    let session;
    try {
      session = await requestJSON(form.dataset.startUrl, {
        method: "POST", csrf,
        body: { name: file.name, size: file.size, type: file.type, fingerprint: await fingerprint(file) },
      });
    } catch (error) {
      busy(false);
      say(error.message, { error: true });
      return;
    }
    upload = new Upload(file, session, {
      csrf, concurrency: Number(form.dataset.concurrency), onProgress: showProgress, onNotice: (text) => say(text),
    });
    upload.progress();
    say(upload.alreadyStored
      ? `Continuing the unfinished upload: ${upload.alreadyStored} of ${session.partCount} parts were already stored.`
      : `Uploading in ${session.partCount} part${session.partCount === 1 ? "" : "s"}…`);
    go();
  });

  pauseButton.addEventListener("click", () => {
    if (!upload) return;
    upload.pause();
    pauseButton.hidden = true;
    resumeButton.hidden = false;
    say("Paused. The parts already sent are kept.");
    resumeButton.focus();
  });

  resumeButton.addEventListener("click", () => {
    if (!upload) return;
    resumeButton.hidden = true;
    pauseButton.hidden = false;
    say("Resuming…");
    pauseButton.focus();
    go();
  });

  cancelButton.addEventListener("click", async () => {
    if (!upload) return;
    try {
      await upload.cancel();
      say("The upload is cancelled and its parts discarded.");
    } catch (error) {
      say(error.message, { error: true });
    }
    upload = null;
    busy(false);
  });
}

document.querySelectorAll("form[data-video-upload]").forEach(setUp);
