/** Links from a conversation (its channel address) or an order (its contact id) to the contact's page in the
 * Contatos tab, and the hook that finds the CRM contact behind a channel address. */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { ReactNode, useMemo, useState } from "react";
import { contactsApi, Contact } from "../../api/contacts";
import { describeError } from "../../api/errors";
import { useServices } from "../../api/services";
import { useToast } from "../../components/Toasts";
import { useNavigation } from "../navigation";

const byAddressKey = (address: string) => ["contacts", "byAddress", address] as const;
// A contact's identity does not change while an agent works: one search per address every few minutes is enough.
// "Not a contact yet" is not kept: the CRM records a buyer with their first turn, moments after the message shows.
const ADDRESS_STALE_MS = 5 * 60_000;
const UNKNOWN_RECHECK_MS = 10_000;
const addressStaleTime = (query: { state: { data: Contact | null | undefined } }) =>
  query.state.data ? ADDRESS_STALE_MS : 0;

export function useContactsApi() {
  const { api } = useServices();
  return useMemo(() => contactsApi(api), [api]);
}

/** The CRM contact of a channel address ("whatsapp:5511…"); data null: the CRM does not know it (yet). */
export function useContactOf(address: string) {
  const contacts = useContactsApi();
  return useQuery({ queryKey: byAddressKey(address), queryFn: () => contacts.byAddress(address), enabled: !!address,
    staleTime: addressStaleTime,
    refetchInterval: (query) => (query.state.data === null ? UNKNOWN_RECHECK_MS : false) });
}

/** Opens the contact's page: by id when it is known (orders), else by finding the address's contact on click. */
export function ContactLink({ contactId = "", address = "", children, title = "Abrir a página do contato" }: {
  contactId?: string; address?: string; children: ReactNode; title?: string;
}) {
  const navigation = useNavigation();
  const contacts = useContactsApi();
  const client = useQueryClient();
  const toast = useToast();
  const [looking, setLooking] = useState(false);
  if (!navigation || (!contactId && !address)) return <>{children}</>;

  async function open() {
    if (!navigation) return;
    if (contactId) {
      navigation.openContact(contactId);
      return;
    }
    setLooking(true);
    try {
      const contact: Contact | null = await client.fetchQuery({ queryKey: byAddressKey(address),
        queryFn: () => contacts.byAddress(address), staleTime: addressStaleTime });
      if (contact) navigation.openContact(contact.id);
      else toast.warning("Este cliente ainda não está em Contatos", address);
    } catch (error) {
      const { title, detail } = describeError(error);
      toast.error(title, detail);
    } finally {
      setLooking(false);
    }
  }

  return (
    <button type="button" className="link-button contact-link" title={title} disabled={looking}
      onClick={(e) => { e.stopPropagation(); void open(); }}>{children}</button>
  );
}
