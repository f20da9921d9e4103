// /generate: writes a sales script or email with the LLM and shows it as it streams. Preselects
// from ?kind=&client_id=&product_id= and, for a next version, ?base_script_id= / ?base_email_id=.
import { useEffect, useState, type FormEvent } from "react";
import { useSearchParams } from "react-router-dom";
import { ApiFailure } from "../../api/errors";
import { ErrorNotice } from "../../components/ErrorNotice";
import { checkForm, emptyForm, generateRequest, type GenerateForm } from "../../lib/documents/generateRequest";
import { baseParam, typeOf, type DocumentKind, type SalesDocument } from "../../lib/documents/kinds";
import { getDocument } from "../documents/documentsApi";
import { useSubjects } from "../documents/useSubjects";
import { BaseNotice } from "./BaseNotice";
import { GenerateOptions } from "./GenerateOptions";
import { GenerationStatusLine } from "./GenerationStatusLine";
import { StreamedVariants } from "./StreamedVariants";
import { useGeneration } from "./useGeneration";
import "./generate.css";

/** The form as the URL preselects it. */
function formFromUrl(params: URLSearchParams): GenerateForm {
  const kind: DocumentKind =
    params.get("kind") === "email" || (!params.get("kind") && params.get("base_email_id")) ? "email" : "script";
  return {
    ...emptyForm(kind),
    clientId: params.get("client_id") ?? "",
    productId: params.get("product_id") ?? "",
    baseId: params.get(baseParam(kind)) ?? "",
  };
}

export default function GeneratePage() {
  const [params, setParams] = useSearchParams();
  const [form, setForm] = useState<GenerateForm>(() => formFromUrl(params));
  const [checks, setChecks] = useState<Record<string, string>>({});
  const [base, setBase] = useState<SalesDocument | null>(null);
  const [baseError, setBaseError] = useState<unknown>(null);
  // The kind being (or last) generated: the form's may change meanwhile.
  const [runKind, setRunKind] = useState<DocumentKind>(form.kind);
  const subjects = useSubjects();
  const generation = useGeneration();
  const streaming = generation.status === "streaming";

  // A next version: read the base to show it and to take its type, client and product.
  useEffect(() => {
    if (!form.baseId) {
      setBase(null);
      return;
    }
    let live = true;
    setBaseError(null);
    getDocument(form.kind, form.baseId).then(
      ({ data }) => {
        if (!live) return;
        setBase(data);
        setForm((current) => ({
          ...current,
          type: typeOf(data),
          clientId: current.clientId || data.client_id || "",
          productId: current.productId || data.product_id || "",
        }));
      },
      (error: unknown) => {
        if (live) setBaseError(error);
      },
    );
    return () => {
      live = false;
    };
  }, [form.kind, form.baseId]);

  const change = (patch: Partial<GenerateForm>) => setForm((current) => ({ ...current, ...patch }));

  const changeKind = (kind: DocumentKind) => {
    setForm((current) => ({ ...emptyForm(kind), ...keepAcrossKinds(current), kind }));
    dropBase();
  };

  const dropBase = () => {
    change({ baseId: "" });
    const next = new URLSearchParams(params);
    next.delete("base_script_id");
    next.delete("base_email_id");
    setParams(next, { replace: true });
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problems = checkForm(form);
    setChecks(problems);
    if (Object.keys(problems).length > 0) return;
    const { path, body } = generateRequest(form);
    setRunKind(form.kind);
    void generation.start(path, body, form.baseId ? 1 : form.variants);
  };

  const apiErrors = generation.error instanceof ApiFailure ? generation.error.fieldErrors() : {};
  const errors = { ...apiErrors, ...checks };

  return (
    <div className="stack">
      <h1>Generate</h1>
      <ErrorNotice error={subjects.error} />
      {form.baseId && <BaseNotice kind={form.kind} base={base} error={baseError} onDrop={dropBase} disabled={streaming} />}
      <form className="card stack" onSubmit={submit} noValidate aria-busy={subjects.loading || undefined}>
        <h2>What to write</h2>
        {subjects.loading && <p className="muted">Loading clients and products…</p>}
        <GenerateOptions
          form={form}
          onChange={change}
          onKindChange={changeKind}
          clients={subjects.clients}
          products={subjects.products}
          errors={errors}
          disabled={streaming}
        />
        <div className="toolbar">
          <button type="submit" disabled={streaming}>
            Generate
          </button>
          {streaming && (
            <button type="button" className="secondary" onClick={generation.stop}>
              Stop
            </button>
          )}
        </div>
      </form>
      <ErrorNotice error={generation.error} onDismiss={generation.clearError} />
      {generation.status !== "idle" && (
        <section className="stack" aria-labelledby="generate-result">
          <h2 id="generate-result">Result</h2>
          <GenerationStatusLine status={generation.status} variants={generation.variants} />
          <StreamedVariants kind={runKind} variants={generation.variants} streaming={streaming} />
        </section>
      )}
    </div>
  );
}

/** The options that mean the same for scripts and emails. */
function keepAcrossKinds(form: GenerateForm): Partial<GenerateForm> {
  const { clientId, productId, name, tone, length, instructions, language, variants } = form;
  return { clientId, productId, name, tone, length, instructions, language, variants };
}
