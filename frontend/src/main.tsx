import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { ApiClient } from "./api/client";
import { browserSessionStorage } from "./api/tokens";
import { App, createQueryClient } from "./App";
import "./styles.css";

const api = new ApiClient({ storage: browserSessionStorage() });
const queryClient = createQueryClient();

createRoot(document.getElementById("root") as HTMLElement).render(
  <StrictMode>
    <App api={api} queryClient={queryClient} />
  </StrictMode>,
);
