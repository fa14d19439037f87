// Bookinfo's details service: the book's facts, as Istio's sample serves them.

import { sendJson, serve } from "./serve.ts";

serve("details", (_req, res, url) => {
  if (url.pathname === "/health") return sendJson(res, 200, { status: "Details is healthy" });
  const m = /^\/details\/(\d+)$/.exec(url.pathname);
  if (!m) return sendJson(res, 400, { error: "please provide numeric product id" });
  sendJson(res, 200, {
    id: Number(m[1]),
    author: "William Shakespeare",
    year: 1595,
    type: "paperback",
    pages: 200,
    publisher: "PublisherA",
    language: "English",
    "ISBN-10": "1234567890",
    "ISBN-13": "123-1234567890",
  });
});
