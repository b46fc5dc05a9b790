// The broker's SASL authenticator (one per broker, a Service): checks PLAIN passwords and runs SCRAM exchanges
// against kafka.scram_credentials, read at authentication time so users added through any broker work at once.
// Also slows down bursts of failures per address and counts failures into the metrics. Never logs secrets.

import type { BrokerServices, Service } from '../context.ts';
import { listScramCredentials, scramCredential, type ScramCredential } from '../../store/scram-credentials.ts';
import { passwordMatches, scramMechanism, type ScramMechanism } from './scram.ts';
import { FailureThrottle } from './failures.ts';

export type SaslMechanismName = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
export const SASL_MECHANISMS: readonly SaslMechanismName[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];

export class Authenticator implements Service {
  readonly #broker: BrokerServices;
  readonly #throttle = new FailureThrottle();

  constructor(broker: BrokerServices) {
    this.#broker = broker;
  }

  get enabledMechanisms(): readonly string[] {
    return this.#broker.config.saslEnabledMechanisms;
  }

  scramCredential(user: string, m: ScramMechanism): Promise<ScramCredential | null> {
    return scramCredential(this.#broker.store.sql, user, m.name);
  }

  /** True when `password` is the password of `user` (checked against the user's first SCRAM credential). */
  async checkPassword(user: string, password: string): Promise<boolean> {
    const [credential] = await listScramCredentials(this.#broker.store.sql, [user]);
    if (!credential || !scramMechanism(credential.mechanism)) return false;
    return await passwordMatches(credential, password);
  }

  /** Counts a failed authentication and waits out the address's back-off before the failure is answered. */
  async failed(clientHost: string, mechanism: string): Promise<void> {
    this.#broker.metrics.saslAuthenticationFailures.with(mechanism).inc();
    const delay = this.#throttle.failed(clientHost);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
  }

  succeeded(clientHost: string): void {
    this.#throttle.succeeded(clientHost);
  }

  close(): void {}
}

export function authenticator(broker: BrokerServices): Authenticator {
  return broker.service('sasl-authenticator', (b) => new Authenticator(b));
}
