// /company: the organization's company profile, the seller's side of every script and email.
// Admins edit it (PUT with If-Match); members read it.
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { ErrorNotice } from "../../components/ErrorNotice";
import { isAdmin, useAuth } from "../../store/auth";
import { FormFields } from "../products/shared/FormFields";
import { formErrors } from "../products/shared/fieldErrors";
import { StaleNotice } from "../products/shared/StaleNotice";
import { collect, draftFrom, type Draft, type DraftValue } from "../products/shared/fieldSpec";
import { ReadOnlyFields } from "./ReadOnlyFields";
import { PROFILE_FIELDS } from "./profileFields";
import { loadProfile, saveProfile, type CompanyProfile } from "./profileApi";
import "../products/shared/content.css";

export default function CompanyProfilePage() {
  const admin = isAdmin(useAuth((s) => s.me));
  const [profile, setProfile] = useState<CompanyProfile | null>(null);
  const [etag, setEtag] = useState<string | null>(null);
  const [draft, setDraft] = useState<Draft>(() => draftFrom(PROFILE_FIELDS, null));
  const [loading, setLoading] = useState(true);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [status, setStatus] = useState("");
  const [busy, setBusy] = useState(false);

  const show = useCallback((loaded: { data: CompanyProfile; etag: string | null } | null) => {
    setProfile(loaded?.data ?? null);
    setEtag(loaded?.etag ?? null);
    setDraft(draftFrom(PROFILE_FIELDS, loaded?.data ?? null));
    setFieldErrors({});
  }, []);

  const load = useCallback(async () => {
    setLoading(true);
    setLoadError(null);
    try {
      show(await loadProfile());
    } catch (failure) {
      setLoadError(failure);
    } finally {
      setLoading(false);
    }
  }, [show]);

  useEffect(() => {
    void load();
  }, [load]);

  function change(key: string, value: DraftValue) {
    setDraft((previous) => ({ ...previous, [key]: value }));
    if (fieldErrors[key]) setFieldErrors(({ [key]: _gone, ...rest }) => rest);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const { values, errors } = collect(PROFILE_FIELDS, draft);
    setStatus("");
    if (Object.keys(errors).length > 0) {
      setFieldErrors(errors);
      setStatus("Please correct the fields marked below.");
      return;
    }
    setBusy(true);
    setSaveError(null);
    try {
      show(await saveProfile(values, etag));
      setStatus("Profile saved.");
    } catch (failure) {
      setSaveError(failure);
      setFieldErrors(formErrors(failure));
    } finally {
      setBusy(false);
    }
  }

  async function reload() {
    setSaveError(null);
    await load();
    setStatus("Reloaded: this is the latest version.");
  }

  return (
    <article className="stack" aria-busy={loading}>
      <h1>Company profile</h1>
      <p className="muted">
        Who you are and how you sell. Every script, email and assistant answer is written from this side of the table.
      </p>

      {loadError != null ? (
        <>
          <ErrorNotice error={loadError} />
          <button type="button" className="secondary" onClick={() => void load()}>
            Try again
          </button>
        </>
      ) : loading ? (
        <p aria-busy="true">Loading the company profile…</p>
      ) : admin ? (
        <>
          {!profile && <p className="notice">There is no company profile yet. Fill in what you know and save it.</p>}
          <form className="card stack" onSubmit={submit} noValidate aria-label="Edit the company profile">
            <FormFields specs={PROFILE_FIELDS} draft={draft} errors={fieldErrors} onChange={change} />
            <ErrorNotice error={saveError} />
            <StaleNotice error={saveError} what="the profile" onReload={() => void reload()} />
            <div className="content-actions">
              <button type="submit" disabled={busy}>
                {busy ? "Saving…" : "Save profile"}
              </button>
              {profile && <span className="muted small">Last changed {new Date(profile.updated_at).toLocaleString()}</span>}
            </div>
          </form>
          <p role="status" aria-live="polite">
            {status}
          </p>
        </>
      ) : (
        <>
          <p className="notice">Only admins can edit the company profile.</p>
          {profile ? (
            <section className="card">
              <ReadOnlyFields specs={PROFILE_FIELDS} draft={draft} />
            </section>
          ) : (
            <p>Your organization has no company profile yet. Ask an admin to add one.</p>
          )}
        </>
      )}
    </article>
  );
}
