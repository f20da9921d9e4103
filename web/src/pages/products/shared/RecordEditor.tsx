// The editor of one content record (products, clients) at `${basePath}/new` and `${basePath}/:id`:
// create with POST, save only the changed fields with PATCH + If-Match, a 412 offers a reload,
// a 422 puts each message under its field; archive, restore, hard delete; generation links.
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { Link, useLocation, useNavigate, useParams } from "react-router-dom";
import { ErrorNotice } from "../../../components/ErrorNotice";
import { isAdmin, useAuth } from "../../../store/auth";
import { FormFields } from "./FormFields";
import { RecordActions } from "./RecordActions";
import { formErrors } from "./fieldErrors";
import { StaleNotice } from "./StaleNotice";
import { changedValues, collect, draftFrom, withoutEmpty, type Draft, type DraftValue, type FieldSpec } from "./fieldSpec";
import "./content.css";

interface Stored {
  id: string;
  name: string;
  is_active: boolean;
  updated_at: string;
}

export interface Tagged<T> {
  data: T;
  etag: string | null;
}

/** The calls an editor makes, typed by the page that uses it. */
export interface RecordCalls<T> {
  load: (id: string) => Promise<Tagged<T>>;
  create: (values: Record<string, unknown>) => Promise<T>;
  update: (id: string, values: Record<string, unknown>, etag: string | null) => Promise<Tagged<T>>;
  remove: (id: string, hard: boolean, etag: string | null) => Promise<void>;
}

interface Props<T extends Stored> {
  /** "product" or "client". */
  noun: string;
  /** "/products": the list, and the prefix of each record's address. */
  basePath: string;
  /** The heading of the empty form ("New product"). */
  newHeading: string;
  /** The text of the create button ("Create product"). */
  createLabel: string;
  specs: readonly FieldSpec[];
  /** The query parameter that tells /generate what to write about ("product_id"). */
  generateParam: string;
  calls: RecordCalls<T>;
}

export function RecordEditor<T extends Stored>({ noun, basePath, newHeading, createLabel, specs, generateParam, calls }: Props<T>) {
  const { id } = useParams();
  const navigate = useNavigate();
  const location = useLocation();
  const admin = isAdmin(useAuth((s) => s.me));
  const [record, setRecord] = useState<T | null>(null);
  const [etag, setEtag] = useState<string | null>(null);
  const [original, setOriginal] = useState<Draft>(() => draftFrom(specs, null));
  const [draft, setDraft] = useState<Draft>(() => draftFrom(specs, null));
  const [loading, setLoading] = useState(Boolean(id));
  const [loadError, setLoadError] = useState<unknown>(null);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [status, setStatus] = useState("");
  const justCreated = (location.state as { created?: boolean } | null)?.created === true;
  const [busy, setBusy] = useState(false);

  const show = useCallback(
    (loaded: Tagged<T>) => {
      setRecord(loaded.data);
      setEtag(loaded.etag);
      const fresh = draftFrom(specs, loaded.data);
      setOriginal(fresh);
      setDraft(fresh);
      setFieldErrors({});
    },
    [specs],
  );

  const load = useCallback(
    async (recordId: string) => {
      setLoading(true);
      setLoadError(null);
      try {
        show(await calls.load(recordId));
      } catch (failure) {
        setLoadError(failure);
      } finally {
        setLoading(false);
      }
    },
    [calls, show],
  );

  useEffect(() => {
    setSaveError(null);
    if (id) {
      void load(id);
    } else {
      const empty = draftFrom(specs, null);
      setRecord(null);
      setEtag(null);
      setOriginal(empty);
      setDraft(empty);
      setLoading(false);
    }
  }, [id, load, specs]);

  useEffect(() => {
    if (!justCreated) return;
    setStatus(`The ${noun} was created.`);
    // Forget the flag, so that reloading the page does not announce it again.
    navigate(location.pathname, { replace: true, state: null });
  }, [justCreated, location.pathname, navigate, noun]);

  function change(key: string, value: DraftValue) {
    setDraft((previous) => ({ ...previous, [key]: value }));
    if (fieldErrors[key]) setFieldErrors(({ [key]: _gone, ...rest }) => rest);
  }

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setSaveError(null);
    setStatus("");
    try {
      await action();
    } catch (failure) {
      setSaveError(failure);
      setFieldErrors(formErrors(failure));
    } finally {
      setBusy(false);
    }
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const result = id ? changedValues(specs, original, draft) : collect(specs, draft);
    if (Object.keys(result.errors).length > 0) {
      setFieldErrors(result.errors);
      setStatus("Please correct the fields marked below.");
      return;
    }
    await run(async () => {
      if (!id) {
        const created = await calls.create(withoutEmpty(result.values));
        navigate(`${basePath}/${created.id}`, { state: { created: true } });
        return;
      }
      if (Object.keys(result.values).length === 0) {
        setStatus("Nothing has changed.");
        return;
      }
      show(await calls.update(id, result.values, etag));
      setStatus("Changes saved.");
    });
  }

  async function archive() {
    if (!id) return;
    await run(async () => {
      await calls.remove(id, false, etag);
      show(await calls.load(id));
      setStatus(`The ${noun} was archived.`);
    });
  }

  async function restore() {
    if (!id) return;
    await run(async () => {
      show(await calls.update(id, { is_active: true }, etag));
      setStatus(`The ${noun} was restored.`);
    });
  }

  async function destroy() {
    if (!id) return;
    await run(async () => {
      await calls.remove(id, true, etag);
      navigate(basePath);
    });
  }

  async function reload() {
    if (!id) return;
    setSaveError(null);
    setStatus("");
    await load(id);
    setStatus("Reloaded: this is the latest version.");
  }

  const title = id ? (record?.name ?? (loading ? "Loading…" : `This ${noun}`)) : newHeading;

  return (
    <article className="stack" aria-busy={loading}>
      <p className="small">
        <Link to={basePath}>Back to the list</Link>
      </p>
      <div className="content-header">
        <h1>{title}</h1>
        {record && !record.is_active && <span className="badge">Archived</span>}
      </div>

      {loadError != null ? (
        <>
          <ErrorNotice error={loadError} />
          {id && (
            <button type="button" className="secondary" onClick={() => void load(id)}>
              Try again
            </button>
          )}
        </>
      ) : loading ? (
        <p aria-busy="true">Loading the {noun}…</p>
      ) : (
        <>
          <form className="card stack" onSubmit={submit} noValidate aria-label={id ? `Edit ${noun}` : newHeading}>
            <FormFields specs={specs} draft={draft} errors={fieldErrors} onChange={change} />
            <ErrorNotice error={saveError} />
            <StaleNotice error={saveError} what={`this ${noun}`} onReload={() => void reload()} />
            <div className="content-actions">
              <button type="submit" disabled={busy}>
                {busy ? "Saving…" : id ? "Save changes" : createLabel}
              </button>
              {record && <span className="muted small">Last changed {new Date(record.updated_at).toLocaleString()}</span>}
            </div>
          </form>
          <p role="status" aria-live="polite">
            {status}
          </p>

          {record && (
            <>
              <section className="card stack" aria-labelledby="write-title">
                <h2 id="write-title">Write with this {noun}</h2>
                <div className="content-actions">
                  <Link className="button secondary" to={`/generate?${generateParam}=${encodeURIComponent(record.id)}&kind=script`}>
                    Write a script
                  </Link>
                  <Link className="button secondary" to={`/generate?${generateParam}=${encodeURIComponent(record.id)}&kind=email`}>
                    Write an email
                  </Link>
                </div>
              </section>
              <RecordActions
                noun={noun}
                active={record.is_active}
                admin={admin}
                busy={busy}
                onArchive={() => void archive()}
                onRestore={() => void restore()}
                onDelete={() => void destroy()}
              />
            </>
          )}
        </>
      )}
    </article>
  );
}
