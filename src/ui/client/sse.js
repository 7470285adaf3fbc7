// A text/event-stream parser (the WHATWG "event stream interpretation"), fed text as it arrives. The playground
// reads GET /v2/jobs/:id/events with fetch(), because EventSource cannot send an Authorization header.

/** push() chunks of text in order; onEvent gets each complete event as {event, data, id}. */
export function createSseParser(onEvent) {
  let buffer = "";
  let first = true;
  let type = "";
  let data = [];
  let lastId = "";

  const dispatch = () => {
    if (data.length > 0) onEvent({ event: type || "message", data: data.join("\n"), id: lastId });
    type = "";
    data = [];
  };

  const line = (text) => {
    if (text === "") return dispatch();
    if (text.startsWith(":")) return;
    const colon = text.indexOf(":");
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") type = value;
    else if (field === "data") data.push(value);
    else if (field === "id" && !value.includes("\0")) lastId = value;
  };

  return {
    push(chunk) {
      buffer += chunk;
      if (first && buffer.length > 0) {
        if (buffer.charCodeAt(0) === 0xfeff) buffer = buffer.slice(1);
        first = false;
      }
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const ch = buffer[i];
        if (ch !== "\n" && ch !== "\r") continue;
        // A CR at the end of a chunk may be half of a CRLF: wait for the next chunk to decide.
        if (ch === "\r" && i === buffer.length - 1) break;
        line(buffer.slice(start, i));
        if (ch === "\r" && buffer[i + 1] === "\n") i++;
        start = i + 1;
      }
      buffer = buffer.slice(start);
    },
    /** At the end of the stream an event without its closing blank line is dropped, as browsers do. */
    end() {
      if (buffer === "\r") line("");
      buffer = "";
      type = "";
      data = [];
    },
  };
}

/** Reads a response body as an event stream; stops early when onEvent returns false. */
export async function readEventStream(body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let stop = false;
  const parser = createSseParser((event) => {
    if (!stop && onEvent(event) === false) stop = true;
  });
  try {
    while (!stop) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.push(value);
    }
    parser.end();
  } finally {
    if (stop) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
