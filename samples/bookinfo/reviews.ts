// Bookinfo's reviews service. v1 shows no stars; v2 (ENABLE_RATINGS, STAR_COLOR=black) and v3
// (STAR_COLOR=red) fetch stars from ratings, with the original's timeouts: 10 s for black
// stars, 2.5 s for red.

import { hostname } from "node:os";
import { forwardHeaders, getJson, sendJson, serve } from "./serve.ts";

const enableRatings = process.env.ENABLE_RATINGS === "true";
const starColor = process.env.STAR_COLOR ?? "black";
const ratingsUrl = `http://ratings${process.env.SERVICES_DOMAIN ? `.${process.env.SERVICES_DOMAIN}` : ""}:9080`;
const podName = process.env.HOSTNAME ?? hostname();

const REVIEWS = [
  {
    reviewer: "Reviewer1",
    text: "An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!",
  },
  {
    reviewer: "Reviewer2",
    text: "Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare.",
  },
];

serve("reviews", async (req, res, url) => {
  if (url.pathname === "/health") return sendJson(res, 200, { status: "Reviews is healthy" });
  const m = /^\/reviews\/(\d+)$/.exec(url.pathname);
  if (!m) return sendJson(res, 404, { error: "not found" });
  let ratings: Record<string, number> | undefined;
  let unavailable = false;
  if (enableRatings) {
    const timeout = starColor === "black" ? 10_000 : 2_500;
    const r = await getJson(`${ratingsUrl}/ratings/${m[1]}`, forwardHeaders(req), timeout);
    const body = r?.body as { ratings?: Record<string, number> } | undefined;
    if (r?.status === 200 && body?.ratings) ratings = body.ratings;
    else unavailable = true;
  }
  const reviews = REVIEWS.map((r) => {
    if (!enableRatings) return r;
    if (unavailable) return { ...r, rating: { error: "Ratings service is currently unavailable" } };
    const stars = ratings?.[r.reviewer];
    return stars === undefined ? r : { ...r, rating: { stars, color: starColor } };
  });
  sendJson(res, 200, { id: m[1], podname: podName, clustername: "null", reviews });
});
