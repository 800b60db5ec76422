/** Moving between the dashboard's tabs from inside a view: a conversation or an order opens its contact's page. */
import { createContext, ReactNode, useContext } from "react";

export interface Navigation {
  /** Switches to the Contatos tab with this CRM contact open. */
  openContact: (contactId: string) => void;
}

const NavigationContext = createContext<Navigation | null>(null);

export function NavigationProvider({ value, children }: { value: Navigation; children: ReactNode }) {
  return <NavigationContext.Provider value={value}>{children}</NavigationContext.Provider>;
}

/** null outside the dashboard (a view rendered on its own): links to other tabs are then plain text. */
export function useNavigation(): Navigation | null {
  return useContext(NavigationContext);
}
