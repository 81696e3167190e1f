// The whole flow through openapi-fetch, typed by what openapi-typescript generates from the live document.
// `tsc --strict` checks it with no casts on API data; node then runs it against the live server.
import createClient from "openapi-fetch";

import type { components, paths } from "./build/schema.js";

type PasswordGrant = components["schemas"]["PasswordGrant"];
type RefreshTokenGrant = components["schemas"]["RefreshTokenGrant"];

const baseUrl = process.argv[2];
if (!baseUrl) {
  throw new Error("usage: node flow.js BASE_URL");
}
const client = createClient<paths>({ baseUrl });
const run = Date.now().toString(36);
const password = "correct horse battery";

function check(condition: boolean, what: string): void {
  if (!condition) {
    throw new Error(`flow: ${what}`);
  }
}

// A form body: the fields the grant sets, and none that it leaves out.
function formOf(grant: PasswordGrant | RefreshTokenGrant): string {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(grant)) {
    if (typeof value === "string") {
      form.append(name, value);
    }
  }
  return form.toString();
}

function bearer(token: string): { Authorization: string } {
  return { Authorization: `Bearer ${token}` };
}

async function register(email: string): Promise<components["schemas"]["UserResponse"]> {
  const { data, error } = await client.POST("/auth/register", { body: { email, password } });
  if (error) {
    throw new Error(`flow: register: ${error.title}`);
  }
  return data;
}

async function logIn(email: string): Promise<components["schemas"]["TokenResponse"]> {
  const grant: PasswordGrant = { grant_type: "password", username: email, password };
  const { data, error } = await client.POST("/auth/login", {
    body: grant,
    bodySerializer: formOf,
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
  });
  if (error) {
    throw new Error(`flow: log in: ${error.error}: ${error.error_description}`);
  }
  return data;
}

const referrerEmail = `ts-referrer-${run}@example.com`;
const referrer = await register(referrerEmail);
check(referrer.email === referrerEmail && referrer.referrer_id === null, "the new user is answered");

const tokens = await logIn(referrerEmail);
check(tokens.token_type === "bearer" && tokens.expires_in > 0, "log in answers a bearer pair");

const me = await client.GET("/users/me", { headers: bearer(tokens.access_token) });
if (me.error) {
  throw new Error(`flow: /users/me: ${me.error.title}`);
}
check(me.data.id === referrer.id, "/users/me is the caller");

const expiresAt = new Date(Date.now() + 7 * 24 * 3600 * 1000).toISOString();
const created = await client.POST("/referral-code/create", {
  body: { expires_at: expiresAt },
  headers: bearer(tokens.access_token),
});
if (created.error) {
  throw new Error(`flow: create a code: ${created.error.title}`);
}
const code = created.data.code;

const found = await client.GET("/referral-code/{email}", { params: { path: { email: referrerEmail } } });
if (found.error) {
  throw new Error(`flow: look the code up: ${found.error.title}`);
}
check(found.data.code === code, "the lookup finds the code");

const friendEmail = `ts-friend-${run}@example.com`;
const friend = await client.POST("/register-with-referral", {
  body: { email: friendEmail, password, referral_code: code },
});
if (friend.error) {
  throw new Error(`flow: register with the code: ${friend.error.title}`);
}
check(friend.data.referrer_id === referrer.id, "the friend is the referrer's referral");

const page = await client.GET("/referrals/{referrer_id}", {
  params: { path: { referrer_id: referrer.id }, query: { limit: 10 } },
  headers: bearer(tokens.access_token),
});
if (page.error) {
  throw new Error(`flow: list referrals: ${page.error.title}`);
}
check(page.data.total === 1 && page.data.items[0]?.email === friendEmail, "the list holds the friend");

const refreshed = await client.POST("/auth/refresh", { body: { refresh_token: tokens.refresh_token } });
if (refreshed.error) {
  throw new Error(`flow: refresh: ${refreshed.error.title}`);
}
check(refreshed.data.refresh_token !== tokens.refresh_token, "refresh rotates the refresh token");

const deleted = await client.DELETE("/referral-code/delete", { headers: bearer(refreshed.data.access_token) });
check(deleted.response.status === 204, "the code is deleted");

const gone = await client.GET("/referral-code/{email}", { params: { path: { email: referrerEmail } } });
check(gone.response.status === 404 && gone.error?.code === "no-active-code", "a deleted code is a 404 problem");

const taken = await client.POST("/auth/register", { body: { email: referrerEmail, password } });
check(taken.response.status === 409 && taken.error?.code === "email-taken", "a taken email is a 409 problem");

const replayGrant: RefreshTokenGrant = { grant_type: "refresh_token", refresh_token: tokens.refresh_token };
const replay = await client.POST("/auth/login", {
  body: replayGrant,
  bodySerializer: formOf,
  headers: { "Content-Type": "application/x-www-form-urlencoded" },
});
check(replay.error?.error === "invalid_grant", "a replayed refresh token is invalid_grant");

const loggedOut = await client.POST("/auth/logout", {
  body: { refresh_token: refreshed.data.refresh_token },
  headers: bearer(refreshed.data.access_token),
});
check(loggedOut.response.status === 204, "log out");

console.log("typescript flow: ok");
