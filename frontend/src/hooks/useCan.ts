/** Whether the logged-in member's role grants a permission (GET /auth/me `permissions`), to hide or disable
 * controls the gateway would refuse with 403. Until /auth/me answers, controls stay usable: the server decides. */
import { useMe } from "./queries";

export type Permission =
  | "take_over_conversations" | "send_messages" | "delete_conversations" | "edit_config" | "edit_products"
  | "edit_channels" | "edit_tasks" | "edit_profiles" | "control_bot" | "manage_members" | "manage_owners"
  | "edit_contacts" | "manage_contact_data" | "edit_orders" | "edit_quick_replies";

export const NOT_ALLOWED = "Seu papel na equipe não permite esta ação";

export function useCan(permission: Permission): boolean {
  const me = useMe();
  return me.data ? me.data.permissions.includes(permission) : true;
}
