// The routes of the app: sign-in when there is no token, else the screens inside the layout.
import { lazy, Suspense, useEffect } from "react";
import { Navigate, Route, Routes, useLocation } from "react-router-dom";
import { keepFresh } from "./api/authkit";
import { Layout } from "./components/Layout";
import { AuthCallback } from "./pages/AuthCallback";
import { SignIn } from "./pages/SignIn";
import { isAdmin, useAuth } from "./store/auth";

const Products = lazy(() => import("./pages/products/ProductsPage"));
const ProductEditor = lazy(() => import("./pages/products/ProductEditor"));
const Clients = lazy(() => import("./pages/clients/ClientsPage"));
const ClientEditor = lazy(() => import("./pages/clients/ClientEditor"));
const CompanyProfile = lazy(() => import("./pages/company/CompanyProfilePage"));
const Generate = lazy(() => import("./pages/generate/GeneratePage"));
const Documents = lazy(() => import("./pages/documents/DocumentsPage"));
const DocumentDetail = lazy(() => import("./pages/documents/DocumentDetail"));
const Chat = lazy(() => import("./pages/chat/ChatPage"));
const Pulse = lazy(() => import("./pages/pulse/PulsePage"));
const RunDetail = lazy(() => import("./pages/pulse/RunDetail"));

export function App() {
  const token = useAuth((s) => s.token);
  const me = useAuth((s) => s.me);
  const location = useLocation();
  useEffect(() => keepFresh(), []);
  if (location.pathname === "/auth/callback") return <AuthCallback />;
  if (!token) return <SignIn />;
  return (
    <Layout>
      <Suspense fallback={<p aria-busy="true">Loading…</p>}>
        <Routes>
          <Route path="/" element={<Navigate to="/products" replace />} />
          <Route path="/products" element={<Products />} />
          <Route path="/products/new" element={<ProductEditor />} />
          <Route path="/products/:id" element={<ProductEditor />} />
          <Route path="/clients" element={<Clients />} />
          <Route path="/clients/new" element={<ClientEditor />} />
          <Route path="/clients/:id" element={<ClientEditor />} />
          <Route path="/company" element={<CompanyProfile />} />
          <Route path="/generate" element={<Generate />} />
          <Route path="/scripts" element={<Documents kind="script" />} />
          <Route path="/scripts/:id" element={<DocumentDetail kind="script" />} />
          <Route path="/emails" element={<Documents kind="email" />} />
          <Route path="/emails/:id" element={<DocumentDetail kind="email" />} />
          <Route path="/chat" element={<Chat />} />
          <Route path="/chat/:sessionId" element={<Chat />} />
          {isAdmin(me) && <Route path="/pulse" element={<Pulse />} />}
          {isAdmin(me) && <Route path="/pulse/runs/:id" element={<RunDetail />} />}
          <Route path="*" element={<p>This page does not exist.</p>} />
        </Routes>
      </Suspense>
    </Layout>
  );
}
