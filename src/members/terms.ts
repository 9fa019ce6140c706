/**
 * The terms a member consents to at registration, in plain words, for the
 * version the service ships with. A deployment that changes them sets
 * TERMS_VERSION and TERMS_FILE (config.ts); members whose consent names an
 * older version give it again before their data routes answer.
 */
export const BUILT_IN_TERMS_VERSION = '2026-11';

export const BUILT_IN_TERMS_TEXT = `Terms of use and privacy (version ${BUILT_IN_TERMS_VERSION})

This service introduces people in early recovery (newcomers) to people further along (sponsors) in the same fellowship programs. It is for adults (18 and over).

What we keep about you
- Your account: email address, the name you chose, and a hash of your password (never the password itself).
- Your profiles: your program, your recovery date, the substances and experiences you chose to share (your substance-use history is health data), your availability, time zone, languages and how you like to be contacted.
- Your requests for a sponsor and your matches, with their history.
- Your weekly check-ins: your answers and any notes you write.
- The emails we send you (kept for a limited time), and a log of what coordinators and admins did with your data.

Who sees it
- The coordinators of your program, to make and look after matches.
- The other member of a match sees a card about you, and your contact details only once you have both said yes.
- Nobody else. We do not sell or share your data.

Your rights
- See it: your account and consent history are shown to you at any time.
- Take it with you: you can download everything we hold about you as one file.
- Withdraw your consent to keep health data: your profiles are deleted at once, open requests are withdrawn and live matches end (the other member gets a neutral notice, never a reason). Your account stays, and you can give consent again.
- Delete your account: everything about you is erased; what has to stay for the other member's history no longer points to you.

If you are in crisis, please call or text your local crisis line now; this service is not an emergency service.
`;
