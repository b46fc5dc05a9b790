// The principal of a client certificate, as Kafka's default ssl.principal.mapping.rules gives it: `User:` and the
// subject distinguished name in RFC 2253 form (most specific RDN first, `,` between, special characters escaped).

import { X509Certificate } from 'node:crypto';

function escapeValue(v: string): string {
  return v.replace(/([,+"\\<>;])/g, '\\$1').replace(/^([ #])/, '\\$1').replace(/ $/, '\\ ');
}

/** RFC 2253 form of a certificate's subject. */
export function subjectDn(der: Uint8Array): string {
  // X509Certificate.subject lists the RDNs one per line, outermost first ("C=..\nO=..\nCN=..").
  const lines = new X509Certificate(der).subject.split('\n').filter((l) => l !== '');
  return lines
    .reverse()
    .map((l) => {
      const eq = l.indexOf('=');
      return `${l.slice(0, eq)}=${escapeValue(l.slice(eq + 1))}`;
    })
    .join(',');
}

export function certificatePrincipal(der: Uint8Array): string {
  return `User:${subjectDn(der)}`;
}
