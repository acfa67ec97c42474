/**
 * The template user agreement. Operators replace it with their own HTML file
 * through USER_AGREEMENT_FILE; this text is a starting point, not legal advice.
 */
export const USER_AGREEMENT_TEMPLATE = `<h1>User agreement</h1>
<p>This agreement is between you (the “user”) and the operator of this Switchboard console (the “operator”). By registering an account you accept it.</p>
<h2>1. The service</h2>
<p>The console lets you create messenger instances and use them through an HTTP API. The operator runs the service on its own equipment and may change, suspend or end it, telling users in advance where it reasonably can.</p>
<h2>2. Your account</h2>
<ul>
<li>Give a working email address: it is where temporary passwords and security notices are sent.</li>
<li>Keep your password and your instances' API tokens secret. Anything done with them counts as done by you.</li>
<li>Tell the operator at once if you believe your account or a token has been misused.</li>
</ul>
<h2>3. Acceptable use</h2>
<p>You must not use the service to send unsolicited bulk messages (spam), to harass anyone, to break the law, to infringe anyone's rights, or to break the terms of the messaging networks your instances connect to. You must not try to reach other users' data or to disrupt the service.</p>
<h2>4. Your data</h2>
<p>The operator stores your email, country, interface language, a salted hash of your password, your instances and the messages passing through them, and a security log of sign-ins (time, IP address and browser). This data is used only to provide and protect the service and is not sold. You may ask the operator to delete your account and its data.</p>
<h2>5. Liability</h2>
<p>The service is provided “as is”. To the extent the law allows, the operator is not liable for indirect losses, lost messages or lost profits.</p>
<h2>6. Changes</h2>
<p>The operator may change this agreement. Material changes are announced before they take effect; continuing to use the service afterwards means accepting them.</p>
`;

export const USER_AGREEMENT_STYLES = `body{margin:0;background:#f6f7f9;color:#1d2329;font:16px/1.6 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
main{max-width:46rem;margin:2rem auto;padding:2rem 2.5rem;background:#fff;border:1px solid #dde1e6;border-radius:8px}
h1{font-size:1.75rem;margin-top:0}h2{font-size:1.15rem;margin-top:1.75rem}
@media (max-width:40rem){main{margin:0;border-radius:0;padding:1.25rem}}
`;
