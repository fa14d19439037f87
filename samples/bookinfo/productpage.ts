// Bookinfo's product page: the HTML page and REST API that aggregate details and reviews. As in
// Istio's original, a signed-in user is sent to reviews as `end-user`, details is called with a
// 3 s timeout and reviews with 3 s and one retry (6 s in all).

import type { IncomingMessage } from "node:http";
import { renderIndex, renderProductPage } from "./productpage-html.ts";
import { forwardHeaders, getJson, sendJson, serve } from "./serve.ts";

const domain = process.env.SERVICES_DOMAIN ? `.${process.env.SERVICES_DOMAIN}` : "";
const DETAILS = `http://details${domain}:9080`;
const REVIEWS = `http://reviews${domain}:9080`;
const RATINGS = `http://ratings${domain}:9080`;

export const PRODUCT = {
  id: 0,
  title: "The Comedy of Errors",
  descriptionHtml:
    '<a href="https://en.wikipedia.org/wiki/The_Comedy_of_Errors">Wikipedia Summary</a>: The Comedy of Errors is one of <b>William Shakespeare\'s</b> early plays. It is his shortest and one of his most farcical comedies, with a major part of the humour coming from slapstick and mistaken identity, in addition to puns and word play.',
};

function userOf(req: IncomingMessage): string | undefined {
  const m = /(?:^|;\s*)user=([^;]+)/.exec(req.headers.cookie ?? "");
  return m ? decodeURIComponent(m[1]!) : undefined;
}

function upstreamHeaders(req: IncomingMessage): Record<string, string> {
  const headers = forwardHeaders(req);
  delete headers.cookie;
  const user = userOf(req);
  if (user) headers["end-user"] = user;
  return headers;
}

async function details(id: number, headers: Record<string, string>) {
  const r = await getJson(`${DETAILS}/details/${id}`, headers, 3_000);
  if (r?.status === 200) return { status: 200, body: r.body };
  return {
    status: r?.status ?? 500,
    body: { error: "Sorry, product details are currently unavailable for this book." },
  };
}

async function reviews(id: number, headers: Record<string, string>) {
  let r: Awaited<ReturnType<typeof getJson>>;
  for (let attempt = 0; attempt < 2; attempt++) {
    r = await getJson(`${REVIEWS}/reviews/${id}`, headers, 3_000);
    if (r?.status === 200) return { status: 200, body: r.body };
  }
  return {
    status: r?.status ?? 500,
    body: { error: "Sorry, product reviews are currently unavailable for this book." },
  };
}

async function ratings(id: number, headers: Record<string, string>) {
  const r = await getJson(`${RATINGS}/ratings/${id}`, headers, 3_000);
  if (r?.status === 200) return { status: 200, body: r.body };
  return {
    status: r?.status ?? 500,
    body: { error: "Sorry, product ratings are currently unavailable for this book." },
  };
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = "";
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 64 * 1024) break;
  }
  return new URLSearchParams(body);
}

serve("productpage", async (req, res, url) => {
  const path = url.pathname;
  const html = (status: number, text: string, extra: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "text/html; charset=utf-8", ...extra });
    res.end(text);
  };
  if (path === "/health") return sendJson(res, 200, { status: "Product page is healthy" });
  if (path === "/" || path === "/index.html") return html(200, renderIndex());
  if (path === "/login" && req.method === "POST") {
    const user = (await readForm(req)).get("username")?.trim() ?? "";
    const cookie = user
      ? `user=${encodeURIComponent(user)}; Path=/; HttpOnly`
      : "user=; Path=/; Max-Age=0";
    res.writeHead(302, { location: "/productpage", "set-cookie": cookie });
    return res.end();
  }
  if (path === "/logout") {
    res.writeHead(302, { location: "/productpage", "set-cookie": "user=; Path=/; Max-Age=0" });
    return res.end();
  }
  const headers = upstreamHeaders(req);
  if (path === "/productpage") {
    const [d, r] = await Promise.all([details(PRODUCT.id, headers), reviews(PRODUCT.id, headers)]);
    return html(
      200,
      renderProductPage({ product: PRODUCT, user: userOf(req), details: d, reviews: r }),
    );
  }
  if (path === "/api/v1/products") return sendJson(res, 200, [PRODUCT]);
  const api = /^\/api\/v1\/products\/(\d+)(?:\/(reviews|ratings))?$/.exec(path);
  if (api) {
    const id = Number(api[1]);
    const r =
      api[2] === "reviews"
        ? await reviews(id, headers)
        : api[2] === "ratings"
          ? await ratings(id, headers)
          : await details(id, headers);
    return sendJson(res, r.status, r.body);
  }
  html(404, "<h1>Not Found</h1>");
});
