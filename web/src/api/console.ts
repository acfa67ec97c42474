import { accountResponseSchema } from "../../../shared/accounts.schemas.js";
import type {
  AccountView,
  LanguageChangeRequest,
  LoginRequest,
  PasswordChangeRequest,
  PasswordResetRequest,
  RegistrationRequest,
} from "../../../shared/accounts.schemas.js";
import { ApiError, apiRequest } from "./client.js";

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
