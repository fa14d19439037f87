// The product page's HTML, shaped like Istio's original template (Bootstrap classes, glyphicon
// stars in the reviewer's color), so users and tests see the familiar page.

interface Fetched {
  readonly status: number;
  readonly body: unknown;
}

interface Review {
  reviewer: string;
  text: string;
  rating?: { stars?: number; color?: string; error?: string };
}

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function layout(title: string, body: string): string {
  return `<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>${esc(title)}</title>
<style>
body{font-family:Helvetica,Arial,sans-serif;margin:0}
.navbar{background:#222;color:#fff;padding:10px 20px;display:flex;justify-content:space-between}
.navbar a,.navbar button{color:#fff}
.container{padding:20px}
.row{display:flex;gap:40px}
.col{flex:1}
blockquote{border-left:4px solid #eee;margin:0 0 10px;padding:5px 15px}
.glyphicon-star:before{content:"\\2605"}
.glyphicon-star-empty:before{content:"\\2606"}
</style>
</head>
<body>
${body}
</body>
</html>
`;
}

export function renderIndex(): string {
  return layout(
    "Simple Bookstore App",
    `<div class="container">
<h3>Hello! This is a simple bookstore application consisting of three services as shown below</h3>
<p>Click on one of the links below to auto generate a request to the backend as a real user or a tester</p>
<p><a href="/productpage?u=normal">Normal user</a></p>
<p><a href="/productpage?u=test">Test user</a></p>
</div>`,
  );
}

function renderStars(rating: Review["rating"]): string {
  if (!rating) return "";
  if (rating.error) return `<p><i>${esc(rating.error)}</i></p>`;
  const stars = rating.stars ?? 0;
  const style = `style="color: ${esc(rating.color ?? "black")}"`;
  const full = `<span class="glyphicon glyphicon-star" ${style}></span>\n`.repeat(stars);
  const empty = `<span class="glyphicon glyphicon-star-empty" ${style}></span>\n`.repeat(5 - stars);
  return `<font color="${esc(rating.color ?? "black")}">\n${full}${empty}</font>`;
}

function renderDetails(d: Fetched): string {
  const body = d.body as Record<string, unknown>;
  if (d.status !== 200) {
    return `<h4 class="text-center text-primary">Error fetching product details!</h4>\n<p>${esc(body?.error)}</p>`;
  }
  const rows = [
    ["Type", body.type],
    ["Pages", body.pages],
    ["Publisher", body.publisher],
    ["Language", body.language],
    ["ISBN-10", body["ISBN-10"]],
    ["ISBN-13", body["ISBN-13"]],
  ];
  return `<h4 class="text-center text-primary">Book Details</h4>\n<dl>\n${rows
    .map(([k, v]) => `<dt>${esc(k)}:</dt><dd>${esc(v)}</dd>`)
    .join("\n")}\n</dl>`;
}

function renderReviews(r: Fetched): string {
  const body = r.body as { reviews?: Review[]; podname?: string; error?: string };
  if (r.status !== 200 || !body?.reviews) {
    return `<h4 class="text-center text-primary">Error fetching product reviews!</h4>\n<p>${esc(body?.error)}</p>`;
  }
  const items = body.reviews
    .map(
      (rv) => `<blockquote>
<p>${esc(rv.text)}</p>
<small>${esc(rv.reviewer)}</small>
${renderStars(rv.rating)}
</blockquote>`,
    )
    .join("\n");
  return `<h4 class="text-center text-primary">Book Reviews</h4>\n${items}\n<dl><dt>Reviews served by:</dt><dd><u>${esc(body.podname)}</u></dd></dl>`;
}

export function renderProductPage(p: {
  product: { title: string; descriptionHtml: string };
  user?: string;
  details: Fetched;
  reviews: Fetched;
}): string {
  const auth = p.user
    ? `<span>${esc(p.user)} <a href="/logout" class="btn">sign out</a></span>`
    : `<form method="post" action="/login"><input type="text" name="username" placeholder="User Name"> <input type="password" name="passwd" placeholder="Password"> <button type="submit">Sign in</button></form>`;
  return layout(
    "Simple Bookstore App",
    `<nav class="navbar"><span class="navbar-brand">BookInfo Sample</span>${auth}</nav>
<div class="container">
<div class="row"><div class="col">
<h3 class="text-center text-primary">${esc(p.product.title)}</h3>
<p>Summary: ${p.product.descriptionHtml}</p>
</div></div>
<div class="row">
<div class="col">${renderDetails(p.details)}</div>
<div class="col">${renderReviews(p.reviews)}</div>
</div>
</div>`,
  );
}
