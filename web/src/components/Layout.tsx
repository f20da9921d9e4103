// The app's frame: a skip link, the navigation (a menu button on phones) and the page.
import { useState, type ReactNode } from "react";
import { NavLink, useLocation } from "react-router-dom";
import { isAdmin, useAuth } from "../store/auth";

const LINKS: { to: string; label: string; admin?: boolean }[] = [
  { to: "/products", label: "Products" },
  { to: "/clients", label: "Clients" },
  { to: "/generate", label: "Generate" },
  { to: "/scripts", label: "Scripts" },
  { to: "/emails", label: "Emails" },
  { to: "/chat", label: "Assistant" },
  { to: "/company", label: "Company" },
  { to: "/pulse", label: "Pulse", admin: true },
];

export function Layout({ children }: { children: ReactNode }) {
  const me = useAuth((s) => s.me);
  const signOut = useAuth((s) => s.signOut);
  const [open, setOpen] = useState(false);
  const location = useLocation();
  const links = LINKS.filter((link) => !link.admin || isAdmin(me));
  return (
    <div className="shell">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="topbar">
        <NavLink to="/" className="brand">
          HelloSales
        </NavLink>
        <button
          type="button"
          className="menu-button"
          aria-expanded={open}
          aria-controls="main-nav"
          onClick={() => setOpen((value) => !value)}
        >
          Menu
        </button>
        <nav id="main-nav" aria-label="Main" className={open ? "nav open" : "nav"}>
          <ul>
            {links.map((link) => (
              <li key={link.to}>
                <NavLink to={link.to} onClick={() => setOpen(false)}>
                  {link.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="account">
          <span className="muted small" title={me?.user?.email ?? ""}>
            {me?.organization?.name ?? ""} · {me?.role}
          </span>
          <button type="button" className="secondary" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1} key={location.pathname.split("/")[1]}>
        {children}
      </main>
    </div>
  );
}
