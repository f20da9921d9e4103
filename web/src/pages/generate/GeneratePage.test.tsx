// Component tests of /generate: the request sent, the text shown as it streams, the saved
// record on completion, a stream's error event, a refused request, a next version and Stop.
import { CLIENT, PRODUCT, failure, frame, heldStream, json, page, renderAt, signIn, stubFetch, type Sent } from "../documents/testSupport";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { sampleEmail, sampleScript } from "../../lib/documents/fixtures";
import GeneratePage from "./GeneratePage";

function stubApi(generate: (sent: Sent) => Response | Promise<Response>) {
  return stubFetch((sent) => {
    const path = sent.url.pathname;
    if (path === "/api/v1/clients") return page([CLIENT]);
    if (path === "/api/v1/products") return page([PRODUCT]);
    if (path.endsWith("/generate")) return generate(sent);
    if (path === "/api/v1/scripts/s1") {
      return json(sampleScript({ id: "s1", client_id: "c1", script_type: "demo", version: 2 }), 200, '"s1-etag"');
    }
    return failure(404, "NOT_FOUND", "no such route in the test");
  });
}

function renderGenerate(path: string) {
  return renderAt(<GeneratePage />, path, "/generate");
}

beforeEach(() => signIn());
afterEach(() => vi.unstubAllGlobals());

test("sends every option, shows the email as it streams and the saved record on complete", async () => {
  const saved = sampleEmail({ id: "e9", subject: "Quick question", body: "Hi Dana,\nThursday?", version: 1 });
  const stream = heldStream([
    frame("generate.token", { variant: 0, index: 0, delta: '{"subject": "Quick q' }),
    frame("generate.token", { variant: 0, index: 1, delta: 'uestion", "body": "Hi Dana,\\nThu' }),
    frame("generate.complete", { variant: 0, pipeline_run_id: "run-1", record: saved }),
  ]);
  const { sent } = stubApi(() => stream.response);
  const user = userEvent.setup();
  renderGenerate("/generate?kind=email&client_id=c1");

  expect(screen.getByRole("heading", { name: "Generate" })).toBeInTheDocument();
  expect(screen.getByLabelText("Kind")).toHaveValue("email");
  await waitFor(() => expect(screen.getByLabelText("Client")).toHaveValue("c1"));
  await user.selectOptions(screen.getByLabelText("Product"), "Acme Reports");
  await user.selectOptions(screen.getByLabelText("Email type"), "Follow-up");
  await user.selectOptions(screen.getByLabelText("Length"), "Short");
  await user.type(screen.getByLabelText("Tone"), "friendly");
  await user.type(screen.getByLabelText("Call to action"), "Book a call");
  await user.type(screen.getByLabelText("Language"), "English");
  await user.type(screen.getByLabelText("Instructions"), "Mention the pilot.");
  await user.click(screen.getByRole("button", { name: "Generate" }));

  await waitFor(() => expect(sent.some((s) => s.url.pathname === "/api/v1/emails/generate")).toBe(true));
  const request = sent.find((s) => s.url.pathname === "/api/v1/emails/generate")!;
  expect(request.method).toBe("POST");
  expect(request.headers.get("Accept")).toBe("text/event-stream");
  expect(request.headers.get("Authorization")).toBe("Bearer test-token");
  expect(JSON.parse(request.body)).toEqual({
    client_id: "c1",
    product_id: "p1",
    email_type: "follow_up",
    length: "short",
    tone: "friendly",
    call_to_action: "Book a call",
    language: "English",
    instructions: "Mention the pilot.",
    variants: 1,
  });

  const region = screen.getByRole("region", { name: "Generated text" });
  expect(region).toHaveAttribute("aria-live", "polite");
  stream.release();
  await waitFor(() => expect(region).toHaveTextContent("Subject: Quick q"));
  expect(screen.getByRole("button", { name: "Stop" })).toBeInTheDocument();
  stream.release();
  await waitFor(() => expect(region).toHaveTextContent("Hi Dana, Thu"));
  expect(within(region).getByText(/^Hi Dana,/).textContent).toBe("Hi Dana,\nThu");
  expect(screen.getByText("Raw JSON")).toBeInTheDocument();

  stream.release();
  const link = await screen.findByRole("link", { name: "Open saved email" });
  expect(link).toHaveAttribute("href", "/emails/e9");
  expect(region).toHaveTextContent("Saved as Globex intro, version 1.");
  expect(region).toHaveTextContent("Subject: Quick question");
  expect(region).toHaveTextContent("Hi Dana, Thursday?");
  expect(screen.getByRole("status")).toHaveTextContent("Done: saved.");
  expect(screen.queryByRole("button", { name: "Stop" })).not.toBeInTheDocument();
});

test("shows each of several script variants as it streams", async () => {
  const stream = heldStream([
    frame("generate.token", { variant: 0, index: 0, delta: '{"content": "First' }),
    frame("generate.complete", {
      variant: 0,
      pipeline_run_id: "run-1",
      record: sampleScript({ id: "s7", content: "First script" }),
    }),
    frame("generate.token", { variant: 1, index: 0, delta: '{"content": "Second' }),
  ]);
  stubApi(() => stream.response);
  const user = userEvent.setup();
  renderGenerate("/generate?product_id=p1");
  await waitFor(() => expect(screen.getByLabelText("Product")).toHaveValue("p1"));
  await user.selectOptions(screen.getByLabelText("Variants"), "2");
  await user.click(screen.getByRole("button", { name: "Generate" }));
  stream.release(3);
  const region = screen.getByRole("region", { name: "Generated text" });
  await waitFor(() => expect(region).toHaveTextContent("Second"));
  expect(within(region).getByRole("heading", { name: "Variant 1" })).toBeInTheDocument();
  expect(within(region).getByRole("link", { name: "Open saved script" })).toHaveAttribute("href", "/scripts/s7");
  expect(screen.getByText("Raw JSON of variant 2")).toBeInTheDocument();
  await waitFor(() => expect(screen.getByRole("status")).toHaveTextContent("Done: 1 of 2 variants saved."));
});

test("shows an error event's message and request id", async () => {
  stubApi(() => {
    const stream = heldStream([
      frame("generate.token", { variant: 0, index: 0, delta: '{"content": "Hi' }),
      frame("error", {
        code: "GENERATION_INVALID_OUTPUT",
        message: "The model's answer could not be read.",
        details: {},
        retryable: true,
        request_id: "req-42",
        timestamp: "2025-01-01T00:00:00Z",
      }),
    ]);
    stream.release(2);
    return stream.response;
  });
  const user = userEvent.setup();
  renderGenerate("/generate?kind=script&product_id=p1");
  await waitFor(() => expect(screen.getByLabelText("Product")).toHaveValue("p1"));
  await user.click(screen.getByRole("button", { name: "Generate" }));
  const alert = await screen.findByRole("alert");
  expect(alert).toHaveTextContent("The model's answer could not be read.");
  expect(alert).toHaveTextContent("req-42");
  expect(screen.getByRole("status")).toHaveTextContent("Failed: nothing was saved.");
});

test("asks for a client or product first, and shows a refused request's field errors", async () => {
  const { sent } = stubApi(() =>
    failure(422, "VALIDATION_ERROR", "Some fields are invalid.", {
      fields: [{ field: "instructions", code: "guard_blocked", message: "These instructions are not allowed." }],
    }),
  );
  const user = userEvent.setup();
  renderGenerate("/generate");
  await user.click(screen.getByRole("button", { name: "Generate" }));
  expect(screen.getByText("Choose a client, a product or both.")).toBeInTheDocument();
  expect(sent.some((s) => s.url.pathname.endsWith("/generate"))).toBe(false);

  await screen.findByRole("option", { name: "Dana Smith (Globex)" });
  await user.selectOptions(screen.getByLabelText("Client"), "c1");
  await user.click(screen.getByRole("button", { name: "Generate" }));
  expect(await screen.findByText("These instructions are not allowed.")).toBeInTheDocument();
  expect(screen.getByLabelText("Instructions")).toHaveAttribute("aria-invalid", "true");
  expect(screen.getByRole("alert")).toHaveTextContent("req_test");
});

test("writes the next version of a base, taking its type and client", async () => {
  const { sent } = stubApi(() => heldStream([]).response);
  const user = userEvent.setup();
  renderGenerate("/generate?kind=script&base_script_id=s1");
  await waitFor(() => expect(screen.getByText(/Writing the next version of/)).toHaveTextContent("version 2"));
  await waitFor(() => expect(screen.getByLabelText("Script type")).toHaveValue("demo"));
  expect(screen.getByLabelText("Variants")).toBeDisabled();
  await user.click(screen.getByRole("button", { name: "Generate" }));
  await waitFor(() => expect(sent.some((s) => s.url.pathname === "/api/v1/scripts/generate")).toBe(true));
  const request = sent.find((s) => s.url.pathname === "/api/v1/scripts/generate")!;
  expect(JSON.parse(request.body)).toMatchObject({ base_script_id: "s1", script_type: "demo", client_id: "c1", variants: 1 });
});

test("Stop aborts the request and keeps what was written", async () => {
  stubApi((sent) => {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(frame("generate.token", { variant: 0, index: 0, delta: '{"content": "Hel' })));
        sent.signal?.addEventListener("abort", () => controller.error(new DOMException("Aborted", "AbortError")));
      },
    });
    return new Response(stream, { status: 200, headers: { "Content-Type": "text/event-stream" } });
  });
  const user = userEvent.setup();
  renderGenerate("/generate?client_id=c1");
  await user.click(screen.getByRole("button", { name: "Generate" }));
  const region = screen.getByRole("region", { name: "Generated text" });
  await waitFor(() => expect(region).toHaveTextContent("Hel"));
  await user.click(screen.getByRole("button", { name: "Stop" }));
  await waitFor(() => expect(screen.getByRole("status")).toHaveTextContent("Stopped. Nothing was saved."));
  expect(region).toHaveTextContent("Hel");
  expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  expect(screen.getByRole("button", { name: "Generate" })).toBeEnabled();
});
