// The company profile calls: read it (absent until an admin writes it) and replace it.
import { api, unwrapWithEtag } from "../../api/client";
import { ApiFailure } from "../../api/errors";
import type { components } from "../../api/schema";
import type { Tagged } from "../products/shared/RecordEditor";

export type CompanyProfile = components["schemas"]["CompanyProfile"];
type CompanyProfileInput = components["schemas"]["CompanyProfileInput"];

/** The profile with its ETag, or null when the organization has none yet (404). */
export async function loadProfile(): Promise<Tagged<CompanyProfile> | null> {
  try {
    return await unwrapWithEtag(api.GET("/api/v1/company-profile"));
  } catch (failure) {
    if (failure instanceof ApiFailure && failure.status === 404) return null;
    throw failure;
  }
}

/** Replaces the whole profile; `etag` (from the last read) guards against overwriting a newer one. */
export function saveProfile(values: Record<string, unknown>, etag: string | null): Promise<Tagged<CompanyProfile>> {
  return unwrapWithEtag(
    api.PUT("/api/v1/company-profile", {
      body: values as CompanyProfileInput,
      headers: etag ? { "If-Match": etag } : {},
    }),
  );
}
