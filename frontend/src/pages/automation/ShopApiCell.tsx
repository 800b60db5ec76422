/** A profile's TikTok Shop Open API authorisation: with it the catalog/order sync uses the API, not the browser. */
import { useQuery } from "@tanstack/react-query";
import { FormEvent, useState } from "react";
import { useServices } from "../../api/services";
import { ErrorBox } from "../../components/ErrorBox";
import { Badge, ConfirmButton } from "../../components/ui";
import { useAction } from "../../hooks/useAction";

interface ShopAuthorization { connected: boolean; shop_name: string; shop_id: string }

export function ShopApiCell({ profileId, name, canEdit }: { profileId: string; name: string; canEdit: boolean }) {
  const { api } = useServices();
  const path = `/bot/profiles/${encodeURIComponent(profileId)}/shop-authorization`;
  const key = ["bot", "shop-authorization", profileId] as const;
  const status = useQuery({ queryKey: key, queryFn: () => api.get<ShopAuthorization>(path) });
  const [open, setOpen] = useState(false);
  const [code, setCode] = useState("");
  const connect = useAction((authCode: string) => api.post<ShopAuthorization>(path, { auth_code: authCode }), {
    invalidate: [key], success: (r) => `API do TikTok Shop conectada: ${r.shop_name || r.shop_id}`, silentError: true,
  });
  const disconnect = useAction(() => api.delete<ShopAuthorization>(path), {
    invalidate: [key], success: "API desconectada: a sincronização volta a usar o navegador",
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    connect.mutate(code.trim(), { onSuccess: () => { setCode(""); setOpen(false); } });
  }

  if (status.data?.connected) {
    return (
      <span>
        <Badge tone="ok" title={`loja ${status.data.shop_id}`}>API: {status.data.shop_name || status.data.shop_id}</Badge>
        {canEdit && <ConfirmButton label="Desconectar" className="secondary" onConfirm={() => disconnect.mutate(undefined)} />}
      </span>
    );
  }
  if (!open) {
    return (
      <button type="button" className="secondary" disabled={!canEdit || !status.data} onClick={() => setOpen(true)}
        title="Sem autorização, catálogo e pedidos são lidos pelo navegador">
        Autorizar API
      </button>
    );
  }
  return (
    <form className="inline-form" onSubmit={submit} aria-label={`Autorizar API de ${name}`}>
      <label>Código de autorização
        <input value={code} onChange={(e) => setCode(e.target.value)} required maxLength={512} />
      </label>
      <button type="submit" className="primary" disabled={connect.isPending || !code.trim()}>Conectar</button>
      <ErrorBox error={connect.error} />
    </form>
  );
}
