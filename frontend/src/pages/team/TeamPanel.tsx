/** Equipe: the shop's members and roles; owners and admins invite (the link is shown once), change roles, remove.
 * Controls a role cannot use are hidden or disabled; the gateway enforces the same rules (README matrix). */
import { FormEvent, useState } from "react";
import { useServices } from "../../api/services";
import { ROLES } from "../../api/types";
import type { CurrentUser, Invitation, Role, TeamMember } from "../../api/types";
import { ErrorBox } from "../../components/ErrorBox";
import { Badge, ConfirmButton, Empty, Loading, Panel } from "../../components/ui";
import { useMe, useTeamInvitations, useTeamMembers } from "../../hooks/queries";
import { queryKeys } from "../../hooks/queryKeys";
import { useAction } from "../../hooks/useAction";
import { formatDateTime } from "../../i18n/format";
import { INVITATION_STATUS_LABELS, ROLE_LABELS, label } from "../../i18n/labels";

/** The roles `me` may hand out, and whether `me` may touch a member who has `role`. */
function grantable(me: CurrentUser): Role[] {
  return ROLES.filter((r) => r !== "owner" || me.permissions.includes("manage_owners"));
}

function canTouch(me: CurrentUser, role: Role): boolean {
  return me.permissions.includes("manage_members") && (role !== "owner" || me.permissions.includes("manage_owners"));
}

export function TeamPanel() {
  const me = useMe();
  if (!me.data) return <ErrorBox error={me.error} onRetry={() => void me.refetch()} />;
  const manages = me.data.permissions.includes("manage_members");
  return (
    <>
      <MembersPanel me={me.data} />
      {manages && <InvitationsPanel me={me.data} />}
    </>
  );
}

function MembersPanel({ me }: { me: CurrentUser }) {
  const members = useTeamMembers();
  return (
    <Panel title="Equipe">
      <p className="muted small">Seu papel: <strong>{label(ROLE_LABELS, me.role)}</strong></p>
      <ErrorBox error={members.error} onRetry={() => void members.refetch()} />
      {members.isPending && <Loading />}
      {members.data && members.data.length === 0 && <Empty>Nenhum membro.</Empty>}
      {members.data && members.data.length > 0 && (
        <table className="table">
          <thead><tr><th>E-mail</th><th>Papel</th><th>Desde</th><th /></tr></thead>
          <tbody>{members.data.map((m) => <MemberRow key={m.userId} me={me} member={m} />)}</tbody>
        </table>
      )}
    </Panel>
  );
}

function MemberRow({ me, member }: { me: CurrentUser; member: TeamMember }) {
  const { team } = useServices();
  const invalidate = [queryKeys.teamMembers, queryKeys.me];
  const change = useAction((role: Role) => team.changeRole(member.userId, role),
    { invalidate, success: (m) => `${m.email}: ${label(ROLE_LABELS, m.role)}` });
  const remove = useAction(() => team.removeMember(member.userId), { invalidate, success: `${member.email} removido` });
  const editable = canTouch(me, member.role);
  return (
    <tr>
      <td><strong>{member.email}</strong>{member.userId === me.id && <span className="muted small"> (você)</span>}</td>
      <td>
        {editable ? (
          <select aria-label={`Papel de ${member.email}`} value={member.role} disabled={change.isPending}
            onChange={(e) => change.mutate(e.target.value as Role)}>
            {grantable(me).concat(grantable(me).includes(member.role) ? [] : [member.role]).map((r) =>
              <option key={r} value={r}>{label(ROLE_LABELS, r)}</option>)}
          </select>
        ) : <Badge tone={member.role === "owner" ? "info" : "muted"}>{label(ROLE_LABELS, member.role)}</Badge>}
      </td>
      <td>{formatDateTime(member.joinedAt)}</td>
      <td className="actions">
        {editable && member.userId !== me.id &&
          <ConfirmButton label="Remover" confirmLabel="Remover da equipe" onConfirm={() => remove.mutate(undefined)}
            disabled={remove.isPending} />}
      </td>
    </tr>
  );
}

function InvitationsPanel({ me }: { me: CurrentUser }) {
  const invitations = useTeamInvitations(true);
  return (
    <Panel title="Convites">
      <InviteForm me={me} />
      <ErrorBox error={invitations.error} onRetry={() => void invitations.refetch()} />
      {invitations.data && invitations.data.length === 0 && <Empty>Nenhum convite.</Empty>}
      {invitations.data && invitations.data.length > 0 && (
        <table className="table">
          <thead><tr><th>E-mail</th><th>Papel</th><th>Situação</th><th>Expira em</th><th /></tr></thead>
          <tbody>{invitations.data.map((i) => <InvitationRow key={i.id} me={me} invitation={i} />)}</tbody>
        </table>
      )}
    </Panel>
  );
}

function InvitationRow({ me, invitation }: { me: CurrentUser; invitation: Invitation }) {
  const { team } = useServices();
  const revoke = useAction(() => team.revokeInvitation(invitation.id),
    { invalidate: [queryKeys.teamInvitations], success: `Convite de ${invitation.email} cancelado` });
  return (
    <tr>
      <td>{invitation.email}</td>
      <td>{label(ROLE_LABELS, invitation.role)}</td>
      <td>{label(INVITATION_STATUS_LABELS, invitation.status)}</td>
      <td>{formatDateTime(invitation.expiresAt)}</td>
      <td className="actions">
        {invitation.status === "pending" && canTouch(me, invitation.role) &&
          <ConfirmButton label="Cancelar" confirmLabel="Cancelar convite" onConfirm={() => revoke.mutate(undefined)}
            disabled={revoke.isPending} />}
      </td>
    </tr>
  );
}

function InviteForm({ me }: { me: CurrentUser }) {
  const { team } = useServices();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("agent");
  const [created, setCreated] = useState<Invitation | null>(null);
  const invite = useAction(({ email: to, role: as }: { email: string; role: Role }) => team.invite(to, as),
    { invalidate: [queryKeys.teamInvitations], silentError: true });

  function submit(event: FormEvent) {
    event.preventDefault();
    setCreated(null);
    invite.mutate({ email: email.trim(), role }, { onSuccess: (invitation) => { setCreated(invitation); setEmail(""); } });
  }

  const link = created?.acceptPath ? `${window.location.origin}${created.acceptPath}` : "";
  return (
    <form className="form-card" onSubmit={submit} aria-label="Convidar membro">
      <div className="form-grid">
        <label>
          E-mail
          <input type="email" required maxLength={320} value={email} onChange={(e) => setEmail(e.target.value)}
            placeholder="atendente@sualoja.com.br" />
        </label>
        <label>
          Papel
          <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {grantable(me).map((r) => <option key={r} value={r}>{label(ROLE_LABELS, r)}</option>)}
          </select>
        </label>
      </div>
      <div className="row">
        <button type="submit" className="primary" disabled={invite.isPending}>Convidar</button>
      </div>
      <ErrorBox error={invite.error} />
      {created && (
        <div className="notice" role="status">
          Convite criado para {created.email}. Envie este link agora: ele não será mostrado de novo.
          <input readOnly aria-label="Link do convite" value={link} onFocus={(e) => e.target.select()} />
        </div>
      )}
    </form>
  );
}
