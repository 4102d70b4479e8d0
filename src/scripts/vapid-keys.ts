import { generateVAPIDKeys } from 'web-push';

/** Prints a fresh VAPID key pair (P-256, base64url) in .env form: `npm run vapid-keys`. */
function main(): void {
  const { publicKey, privateKey } = generateVAPIDKeys();
  console.log(`VAPID_PUBLIC_KEY=${publicKey}`);
  console.log(`VAPID_PRIVATE_KEY=${privateKey}`);
  console.log('VAPID_SUBJECT=mailto:admin@example.com');
}

main();
