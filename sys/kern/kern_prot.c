/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kern_prot.c: credentials and the identity system calls.
 *
 * A credential (struct kauth_cred, lwp.h) is never changed once a process
 * uses it: a change makes a new one and installs it in the process with
 * proc_setcred(), which bumps p_credgen.  Each lwp caches a reference to
 * its process's credential (l_cred) and refreshes it in kauth_cred_get()
 * when the generation moved, so the common path takes no lock.
 *
 * The set*id calls follow Linux: privilege is an effective uid of 0 (the
 * kernel has no capabilities), -1 means "leave unchanged" for the
 * setre*id and setres*id calls, and an unprivileged process may only move
 * between the ids it already has.  Groups: at most NGROUPS_KERN (64)
 * supplementary groups; setgroups() with more returns EINVAL (Linux allows
 * 65536).  The file-system ids are the effective ids.
 *
 * Also umask(2), getpid(2) and getppid(2).  Called by the syscall layer,
 * by kern_lwp.c (credential references of new processes and lwps) and by
 * every permission check (kauth_cred_get).
 */
#include "kern/kern.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "kern/syscall.h"
#include "sys_syscallargs.h"

#define ID_UNCHANGED ((uint32_t)-1)

kauth_cred_t
kauth_cred_alloc(void)
{
	kauth_cred_t cred;

	cred = kmem_zalloc(sizeof(*cred), KM_SLEEP);
	cred->cr_refcnt = 1;
	return cred;
}

/* A private copy of cred with one reference. */
kauth_cred_t
kauth_cred_dup(kauth_cred_t cred)
{
	kauth_cred_t nc;

	nc = kmem_alloc(sizeof(*nc), KM_SLEEP);
	memcpy(nc, cred, sizeof(*nc));
	nc->cr_refcnt = 1;
	return nc;
}

void
kauth_cred_hold(kauth_cred_t cred)
{
	KASSERT(atomic_load_relaxed(&cred->cr_refcnt) > 0);
	atomic_inc(&cred->cr_refcnt);
}

void
kauth_cred_free(kauth_cred_t cred)
{
	unsigned nv;

	if (cred == NULL)
		return;
	nv = atomic_dec_nv(&cred->cr_refcnt);
	KASSERTMSG(nv != UINT_MAX, "kauth_cred_free: %p over-released", cred);
	if (nv == 0)
		kmem_free(cred, sizeof(*cred));
}

bool
kauth_cred_groupmember(kauth_cred_t cred, gid_t gid)
{
	int i;

	if (cred->cr_egid == gid)
		return true;
	for (i = 0; i < cred->cr_ngroups; i++) {
		if (cred->cr_groups[i] == gid)
			return true;
	}
	return false;
}

/*
 * The calling lwp's credential, valid until the lwp calls this again or
 * returns from the kernel.  No reference is taken.
 */
kauth_cred_t
kauth_cred_get(void)
{
	struct lwp *l = curlwp;
	struct proc *p = l->l_proc;
	kauth_cred_t old;

	if (__predict_true(l->l_cred != NULL &&
	    l->l_credgen == atomic_load_acquire(&p->p_credgen)))
		return l->l_cred;
	old = l->l_cred;
	mutex_enter(&p->p_lock);
	l->l_cred = p->p_cred;
	kauth_cred_hold(l->l_cred);
	l->l_credgen = atomic_load_relaxed(&p->p_credgen);
	mutex_exit(&p->p_lock);
	kauth_cred_free(old);
	return l->l_cred;
}

void
proc_setcred(struct proc *p, kauth_cred_t cred)
{
	kauth_cred_t old;

	mutex_enter(&p->p_lock);
	old = p->p_cred;
	p->p_cred = cred;
	atomic_store_release(&p->p_credgen, p->p_credgen + 1);
	mutex_exit(&p->p_lock);
	kauth_cred_free(old);
}

/* The arguments of one identity change (on the caller's stack). */
struct cred_change {
	uint32_t cc_id[3];             /* ids asked for, -1: unchanged */
	int cc_ngroups;                /* setgroups: count */
	const gid_t *cc_groups;        /* setgroups: the list */
};
typedef int (*cred_change_fn)(kauth_cred_t nc, const struct cred_change *);

/*
 * Change the credential of l's process (l is curlwp): a copy of the
 * current one is handed to change(), which edits it or returns an errno.
 * Done under p_lock, so two lwps changing ids at once do not lose an
 * update; the caller's cached credential is replaced too.  Returns 0 or
 * change()'s errno.
 */
static int
cred_modify(struct lwp *l, cred_change_fn change,
    const struct cred_change *cc)
{
	struct proc *p = l->l_proc;
	kauth_cred_t nc, old, oldcache;
	int error;

	KASSERT(l == curlwp);
	nc = kmem_alloc(sizeof(*nc), KM_SLEEP);
	mutex_enter(&p->p_lock);
	old = p->p_cred;
	memcpy(nc, old, sizeof(*nc));
	nc->cr_refcnt = 1;
	error = change(nc, cc);
	if (error == 0) {
		p->p_cred = nc;
		atomic_store_release(&p->p_credgen, p->p_credgen + 1);
		/* The caller sees its new ids at once. */
		oldcache = l->l_cred;
		kauth_cred_hold(nc);
		l->l_cred = nc;
		l->l_credgen = p->p_credgen;
	}
	mutex_exit(&p->p_lock);
	if (error != 0) {
		kmem_free(nc, sizeof(*nc));
		return error;
	}
	kauth_cred_free(oldcache);
	kauth_cred_free(old);
	return 0;
}

/* May an unprivileged caller take id, which must be one of r, e, s? */
static bool
id_allowed(uint32_t id, uint32_t r, uint32_t e, uint32_t s)
{
	return id == r || id == e || id == s;
}

/* setres[ug]id on three ids (real, effective, saved) in ids[]. */
static int
setres_ids(uint32_t ids[3], const uint32_t want[3], bool priv)
{
	int i;

	for (i = 0; i < 3; i++) {
		if (want[i] != ID_UNCHANGED && !priv &&
		    !id_allowed(want[i], ids[0], ids[1], ids[2]))
			return EPERM;
	}
	for (i = 0; i < 3; i++) {
		if (want[i] != ID_UNCHANGED)
			ids[i] = want[i];
	}
	return 0;
}

/*
 * setre[ug]id: the real id may become the real or effective one, the
 * effective id the real, effective or saved one.  The saved id follows the
 * new effective id when the real id is set, or the effective id is set to
 * something other than the old real id.
 */
static int
setre_ids(uint32_t ids[3], uint32_t r, uint32_t e, bool priv)
{
	uint32_t oldr = ids[0];

	if (r != ID_UNCHANGED && !priv && r != ids[0] && r != ids[1])
		return EPERM;
	if (e != ID_UNCHANGED && !priv &&
	    !id_allowed(e, ids[0], ids[1], ids[2]))
		return EPERM;
	if (r != ID_UNCHANGED)
		ids[0] = r;
	if (e != ID_UNCHANGED)
		ids[1] = e;
	if (r != ID_UNCHANGED || (e != ID_UNCHANGED && e != oldr))
		ids[2] = ids[1];
	return 0;
}

/* set[ug]id: privileged sets all three, otherwise only the effective id
 * and only to the real or saved id. */
static int
set_ids(uint32_t ids[3], uint32_t id, bool priv)
{
	if (priv) {
		ids[0] = ids[1] = ids[2] = id;
		return 0;
	}
	if (id != ids[0] && id != ids[2])
		return EPERM;
	ids[1] = id;
	return 0;
}

static void
uids_get(kauth_cred_t c, uint32_t ids[3])
{
	ids[0] = c->cr_uid;
	ids[1] = c->cr_euid;
	ids[2] = c->cr_svuid;
}

static void
uids_put(kauth_cred_t c, const uint32_t ids[3])
{
	c->cr_uid = ids[0];
	c->cr_euid = ids[1];
	c->cr_svuid = ids[2];
}

static void
gids_get(kauth_cred_t c, uint32_t ids[3])
{
	ids[0] = c->cr_gid;
	ids[1] = c->cr_egid;
	ids[2] = c->cr_svgid;
}

static void
gids_put(kauth_cred_t c, const uint32_t ids[3])
{
	c->cr_gid = ids[0];
	c->cr_egid = ids[1];
	c->cr_svgid = ids[2];
}

/* The change functions; cc_id[] holds the arguments, privilege is the
 * credential's own (the copy is still the caller's). */
static int
chg_setuid(kauth_cred_t nc, const struct cred_change *cc)
{
	uint32_t ids[3];
	int error;

	uids_get(nc, ids);
	error = set_ids(ids, cc->cc_id[0], kauth_cred_issuser(nc));
	uids_put(nc, ids);
	return error;
}

static int
chg_setgid(kauth_cred_t nc, const struct cred_change *cc)
{
	uint32_t ids[3];
	int error;

	gids_get(nc, ids);
	error = set_ids(ids, cc->cc_id[0], kauth_cred_issuser(nc));
	gids_put(nc, ids);
	return error;
}

static int
chg_setreuid(kauth_cred_t nc, const struct cred_change *cc)
{
	uint32_t ids[3];
	int error;

	uids_get(nc, ids);
	error = setre_ids(ids, cc->cc_id[0], cc->cc_id[1],
	    kauth_cred_issuser(nc));
	uids_put(nc, ids);
	return error;
}

static int
chg_setregid(kauth_cred_t nc, const struct cred_change *cc)
{
	uint32_t ids[3];
	int error;

	gids_get(nc, ids);
	error = setre_ids(ids, cc->cc_id[0], cc->cc_id[1],
	    kauth_cred_issuser(nc));
	gids_put(nc, ids);
	return error;
}

static int
chg_setresuid(kauth_cred_t nc, const struct cred_change *cc)
{
	uint32_t ids[3];
	int error;

	uids_get(nc, ids);
	error = setres_ids(ids, cc->cc_id, kauth_cred_issuser(nc));
	uids_put(nc, ids);
	return error;
}

static int
chg_setresgid(kauth_cred_t nc, const struct cred_change *cc)
{
	uint32_t ids[3];
	int error;

	gids_get(nc, ids);
	error = setres_ids(ids, cc->cc_id, kauth_cred_issuser(nc));
	gids_put(nc, ids);
	return error;
}

static int
chg_setgroups(kauth_cred_t nc, const struct cred_change *cc)
{
	if (!kauth_cred_issuser(nc))
		return EPERM;
	nc->cr_ngroups = cc->cc_ngroups;
	memset(nc->cr_groups, 0, sizeof(nc->cr_groups));
	if (cc->cc_ngroups > 0)
		memcpy(nc->cr_groups, cc->cc_groups,
		    (size_t)cc->cc_ngroups * sizeof(gid_t));
	return 0;
}

/* Run one id change with up to three id arguments. */
static int
cred_change_ids(struct lwp *l, cred_change_fn fn, uint32_t a, uint32_t b,
    uint32_t c)
{
	struct cred_change cc = { .cc_id = { a, b, c } };

	return cred_modify(l, fn, &cc);
}


int
sys_getuid(struct lwp *l, const struct sys_getuid_args *uap,
    register_t *retval)
{
	retval[0] = kauth_cred_get()->cr_uid;
	return 0;
}

int
sys_geteuid(struct lwp *l, const struct sys_geteuid_args *uap,
    register_t *retval)
{
	retval[0] = kauth_cred_get()->cr_euid;
	return 0;
}

int
sys_getgid(struct lwp *l, const struct sys_getgid_args *uap,
    register_t *retval)
{
	retval[0] = kauth_cred_get()->cr_gid;
	return 0;
}

int
sys_getegid(struct lwp *l, const struct sys_getegid_args *uap,
    register_t *retval)
{
	retval[0] = kauth_cred_get()->cr_egid;
	return 0;
}

int
sys_setuid(struct lwp *l, const struct sys_setuid_args *uap,
    register_t *retval)
{
	if (uap->uid == ID_UNCHANGED)
		return EINVAL;
	retval[0] = 0;
	return cred_change_ids(l, chg_setuid, uap->uid, 0, 0);
}

int
sys_setgid(struct lwp *l, const struct sys_setgid_args *uap,
    register_t *retval)
{
	if (uap->gid == ID_UNCHANGED)
		return EINVAL;
	retval[0] = 0;
	return cred_change_ids(l, chg_setgid, uap->gid, 0, 0);
}

int
sys_seteuid(struct lwp *l, const struct sys_seteuid_args *uap,
    register_t *retval)
{
	if (uap->euid == ID_UNCHANGED)
		return EINVAL;
	retval[0] = 0;
	return cred_change_ids(l, chg_setresuid, ID_UNCHANGED, uap->euid,
	    ID_UNCHANGED);
}

int
sys_setegid(struct lwp *l, const struct sys_setegid_args *uap,
    register_t *retval)
{
	if (uap->egid == ID_UNCHANGED)
		return EINVAL;
	retval[0] = 0;
	return cred_change_ids(l, chg_setresgid, ID_UNCHANGED, uap->egid,
	    ID_UNCHANGED);
}

int
sys_setreuid(struct lwp *l, const struct sys_setreuid_args *uap,
    register_t *retval)
{
	retval[0] = 0;
	return cred_change_ids(l, chg_setreuid, uap->ruid, uap->euid, 0);
}

int
sys_setregid(struct lwp *l, const struct sys_setregid_args *uap,
    register_t *retval)
{
	retval[0] = 0;
	return cred_change_ids(l, chg_setregid, uap->rgid, uap->egid, 0);
}

int
sys_setresuid(struct lwp *l, const struct sys_setresuid_args *uap,
    register_t *retval)
{
	retval[0] = 0;
	return cred_change_ids(l, chg_setresuid, uap->ruid, uap->euid,
	    uap->suid);
}

int
sys_setresgid(struct lwp *l, const struct sys_setresgid_args *uap,
    register_t *retval)
{
	retval[0] = 0;
	return cred_change_ids(l, chg_setresgid, uap->rgid, uap->egid,
	    uap->sgid);
}

/* Copy three ids out to three user pointers. */
static int
copyout_ids(const uint32_t ids[3], void *a, void *b, void *c)
{
	int error;

	if ((error = copyout(&ids[0], a, sizeof(ids[0]))) != 0 ||
	    (error = copyout(&ids[1], b, sizeof(ids[1]))) != 0 ||
	    (error = copyout(&ids[2], c, sizeof(ids[2]))) != 0)
		return error;
	return 0;
}

int
sys_getresuid(struct lwp *l, const struct sys_getresuid_args *uap,
    register_t *retval)
{
	uint32_t ids[3];

	uids_get(kauth_cred_get(), ids);
	retval[0] = 0;
	return copyout_ids(ids, uap->ruid, uap->euid, uap->suid);
}

int
sys_getresgid(struct lwp *l, const struct sys_getresgid_args *uap,
    register_t *retval)
{
	uint32_t ids[3];

	gids_get(kauth_cred_get(), ids);
	retval[0] = 0;
	return copyout_ids(ids, uap->rgid, uap->egid, uap->sgid);
}

/* getgroups(2): size 0 asks for the count; a smaller list is EINVAL. */
int
sys_getgroups(struct lwp *l, const struct sys_getgroups_args *uap,
    register_t *retval)
{
	kauth_cred_t cred = kauth_cred_get();
	int error;

	if (uap->size < 0)
		return EINVAL;
	if (uap->size != 0) {
		if (uap->size < cred->cr_ngroups)
			return EINVAL;
		error = copyout(cred->cr_groups, uap->list,
		    (size_t)cred->cr_ngroups * sizeof(gid_t));
		if (error != 0)
			return error;
	}
	retval[0] = cred->cr_ngroups;
	return 0;
}

/* setgroups(2): root only; at most NGROUPS_KERN groups. */
int
sys_setgroups(struct lwp *l, const struct sys_setgroups_args *uap,
    register_t *retval)
{
	struct cred_change cc;
	gid_t groups[NGROUPS_KERN];
	int error;

	if (!kauth_cred_issuser(kauth_cred_get()))
		return EPERM;
	if (uap->size < 0 || uap->size > NGROUPS_KERN)
		return EINVAL;
	if (uap->size > 0) {
		error = copyin(uap->list, groups,
		    (size_t)uap->size * sizeof(gid_t));
		if (error != 0)
			return error;
	}
	cc.cc_ngroups = uap->size;
	cc.cc_groups = groups;
	retval[0] = 0;
	return cred_modify(l, chg_setgroups, &cc);
}

/* umask(2): set the mask, return the old one. */
int
sys_umask(struct lwp *l, const struct sys_umask_args *uap,
    register_t *retval)
{
	retval[0] = atomic_swap(&l->l_proc->p_umask, uap->mask & 0777);
	return 0;
}

int
sys_getpid(struct lwp *l, const struct sys_getpid_args *uap,
    register_t *retval)
{
	retval[0] = l->l_proc->p_pid;
	return 0;
}

/* The parent may go away at any time: read the link under proc_lock. */
int
sys_getppid(struct lwp *l, const struct sys_getppid_args *uap,
    register_t *retval)
{
	struct proc *pp;

	mutex_enter(&proc_lock);
	pp = l->l_proc->p_pptr;
	retval[0] = pp != NULL ? pp->p_pid : 0;
	mutex_exit(&proc_lock);
	return 0;
}
