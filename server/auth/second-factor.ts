import type { MfaProofBody } from "../../client-sdk/src/contract/index.js";
import type { Executor } from "../db/database.js";
import * as mfa from "./mfa.repository.js";
import { hashRecoveryCode, type MfaCipher, totpStep } from "./totp.js";

/**
 * Checks a second factor, `{code}` or `{recoveryCode}`, against the user's stored TOTP row and uses
 * it up: a code's time step is claimed (never accepted again for that user), a recovery code is
 * marked used. Run it inside the transaction of what it authorizes, so that a failure after it
 * gives the code back.
 */
export function secondFactor(cipher: MfaCipher) {
  return {
    async prove(
      exec: Executor,
      userId: string,
      storedSecret: string,
      proof: Partial<Pick<MfaProofBody, "code" | "recoveryCode">>,
    ): Promise<boolean> {
      if (proof.code !== undefined) {
        const step = totpStep(cipher.decrypt(storedSecret, userId), proof.code);
        return step !== undefined && (await mfa.claimStep(exec, userId, step));
      }
      if (proof.recoveryCode !== undefined) {
        return mfa.useRecoveryCode(exec, userId, hashRecoveryCode(proof.recoveryCode));
      }
      return false;
    },
  };
}

export type SecondFactor = ReturnType<typeof secondFactor>;
