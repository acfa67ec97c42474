import {
  accountResponseSchema,
  accountSessionsResponseSchema,
  endOtherSessionsResponseSchema,
  partnerTokenResponseSchema,
  partnerViewSchema,
} from "../../../shared/accounts.schemas.js";
import type {
  AccountDeletionRequest,
  AccountSession,
  AccountView,
  LanguageChangeRequest,
  LoginRequest,
  PartnerView,
  PasswordChangeRequest,
  PasswordResetRequest,
  RegistrationRequest,
} from "../../../shared/accounts.schemas.js";
import { ApiError, apiRequest } from "./client.js";
import { parseAnswer } from "./parse.js";

function toAccount(data: unknown): AccountView {
  const parsed = accountResponseSchema.safeParse(data);
  if (!parsed.success) {
    throw new ApiError(200, { error: "internal_error", message: "Unexpected answer from the server" });
  }
  return parsed.data.account;
}

/** The signed-in account, or null when nobody is signed in. */
export async function fetchSession(): Promise<AccountView | null> {
  try {
    return toAccount(await apiRequest("GET", "/api/console/session"));
  } catch (error) {
    if (error instanceof ApiError && error.code === "not_signed_in") return null;
    throw error;
  }
}

export async function register(request: RegistrationRequest): Promise<AccountView> {
  return toAccount(await apiRequest("POST", "/api/console/registration", request));
}

export async function login(request: LoginRequest): Promise<AccountView> {
  return toAccount(await apiRequest("POST", "/api/console/login", request));
}

export async function requestPasswordReset(request: PasswordResetRequest): Promise<void> {
  await apiRequest("POST", "/api/console/password-reset", request);
}

export async function logout(): Promise<void> {
  await apiRequest("POST", "/api/console/logout");
}

export async function changePassword(request: PasswordChangeRequest): Promise<AccountView> {
  return toAccount(await apiRequest("POST", "/api/console/account/password", request));
}

export async function changeAccountLanguage(request: LanguageChangeRequest): Promise<AccountView> {
  return toAccount(await apiRequest("PUT", "/api/console/account/language", request));
}

/** The account's signed-in sessions, newest first; the one of this browser has isCurrent. */
export async function listAccountSessions(): Promise<AccountSession[]> {
  return parseAnswer(accountSessionsResponseSchema, await apiRequest("GET", "/api/console/account/sessions")).sessions;
}

/** Signs another device out: its next request finds no session. */
export async function endAccountSession(id: string): Promise<void> {
  await apiRequest("DELETE", `/api/console/account/sessions/${encodeURIComponent(id)}`);
}

/** Ends every session of the account but this browser's; resolves with how many ended. */
export async function endOtherAccountSessions(): Promise<number> {
  return parseAnswer(endOtherSessionsResponseSchema, await apiRequest("POST", "/api/console/account/sessions/end-others")).ended;
}

/** Deletes the account and everything it owns; the server also ends this session. */
export async function deleteAccount(request: AccountDeletionRequest): Promise<void> {
  await apiRequest("POST", "/api/console/account/delete", request);
}

/** The partner API's address, and whether the account has a partner token. */
export async function getPartnerView(): Promise<PartnerView> {
  return parseAnswer(partnerViewSchema, await apiRequest("GET", "/api/console/account/partner"));
}

/** The account's partner token; ApiError not_found while it has none. */
export async function getPartnerToken(): Promise<string> {
  return parseAnswer(partnerTokenResponseSchema, await apiRequest("GET", "/api/console/account/partner/token")).partnerToken;
}

/** Creates the account's partner token ("create"; already_exists when it has one), or replaces it ("rotate": the old one stops at once). */
export async function issuePartnerToken(kind: "create" | "rotate"): Promise<string> {
  const path = kind === "create" ? "/api/console/account/partner/token" : "/api/console/account/partner/token/rotate";
  return parseAnswer(partnerTokenResponseSchema, await apiRequest("POST", path)).partnerToken;
}

/** A plain GET the browser downloads as a JSON file (the server names it in Content-Disposition). */
export const ACCOUNT_EXPORT_PATH = "/api/console/account/export";
