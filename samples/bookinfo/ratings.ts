// Bookinfo's ratings service: two reviewers' stars for every product.

import { sendJson, serve } from "./serve.ts";

serve("ratings", (_req, res, url) => {
  if (url.pathname === "/health") return sendJson(res, 200, { status: "Ratings is healthy" });
  const m = /^\/ratings\/(\d+)$/.exec(url.pathname);
  if (!m) return sendJson(res, 400, { error: "please provide numeric product ID" });
  sendJson(res, 200, { id: Number(m[1]), ratings: { Reviewer1: 5, Reviewer2: 4 } });
});
