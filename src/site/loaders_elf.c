/*
 * loaders_elf.c: a program's bytes to what it can load: its imports read
 * with libelf, and the rules of loaders.h.  loaders.c reads the file.
 *
 * Only undefined symbols of .dynsym count: those are what the program
 * calls in its libraries.  A symbol it defines itself (libssl linked in
 * and exported) is not an import.  Every loop is bounded by what libelf
 * has checked against the image's size, and by LOADERS_MAX_SYMBOLS.
 */
#include <ctype.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "base/err.h"
#include "base/lazylib.h"
#include "site/loaders_elf.h"

/* libelf, opened at the first program read (base/lazylib.h). */
static struct {
	__typeof__(elf_errmsg)	*elf_errmsg;
	__typeof__(elf_strptr)	*elf_strptr;
	__typeof__(elf_memory)	*elf_memory;
	__typeof__(elf_version)	*elf_version;
	__typeof__(elf_nextscn)	*elf_nextscn;
	__typeof__(elf_kind)	*elf_kind;
	__typeof__(elf_getshdrnum)	*elf_getshdrnum;
	__typeof__(elf_getdata)	*elf_getdata;
	__typeof__(elf_end)	*elf_end;
	__typeof__(gelf_fsize)	*gelf_fsize;
	__typeof__(gelf_getsym)	*gelf_getsym;
	__typeof__(gelf_getshdr)	*gelf_getshdr;
	__typeof__(gelf_getehdr)	*gelf_getehdr;
	__typeof__(gelf_getdyn)	*gelf_getdyn;
} libelf;

static const struct lazylib_fn libelf_fns[] = {
	LAZYLIB_FN(libelf.elf_errmsg, elf_errmsg),
	LAZYLIB_FN(libelf.elf_strptr, elf_strptr),
	LAZYLIB_FN(libelf.elf_memory, elf_memory),
	LAZYLIB_FN(libelf.elf_version, elf_version),
	LAZYLIB_FN(libelf.elf_nextscn, elf_nextscn),
	LAZYLIB_FN(libelf.elf_kind, elf_kind),
	LAZYLIB_FN(libelf.elf_getshdrnum, elf_getshdrnum),
	LAZYLIB_FN(libelf.elf_getdata, elf_getdata),
	LAZYLIB_FN(libelf.elf_end, elf_end),
	LAZYLIB_FN(libelf.gelf_fsize, gelf_fsize),
	LAZYLIB_FN(libelf.gelf_getsym, gelf_getsym),
	LAZYLIB_FN(libelf.gelf_getshdr, gelf_getshdr),
	LAZYLIB_FN(libelf.gelf_getehdr, gelf_getehdr),
	LAZYLIB_FN(libelf.gelf_getdyn, gelf_getdyn),
};

static struct lazylib libelf_lib = {
	"libelf.so.1", "libelf1", libelf_fns,
	sizeof(libelf_fns) / sizeof(libelf_fns[0]), 0
};

/* Below, each call goes through the table. */
#define elf_errmsg	(*libelf.elf_errmsg)
#define elf_strptr	(*libelf.elf_strptr)
#define elf_memory	(*libelf.elf_memory)
#define elf_version	(*libelf.elf_version)
#define elf_nextscn	(*libelf.elf_nextscn)
#define elf_kind	(*libelf.elf_kind)
#define elf_getshdrnum	(*libelf.elf_getshdrnum)
#define elf_getdata	(*libelf.elf_getdata)
#define elf_end	(*libelf.elf_end)
#define gelf_fsize	(*libelf.gelf_fsize)
#define gelf_getsym	(*libelf.gelf_getsym)
#define gelf_getshdr	(*libelf.gelf_getshdr)
#define gelf_getehdr	(*libelf.gelf_getehdr)
#define gelf_getdyn	(*libelf.gelf_getdyn)

/* What an imported function tells (a function may tell several things). */
enum {
	KEY_RSA = 1 << 0,	/* installs an RSA key only */
	KEY_FILE_ANY = 1 << 1,	/* reads a key of any type from a file and
				 * installs it */
	KEY_OBJECT = 1 << 2,	/* installs a key object (any type) */
	KEY_DER = 1 << 3,	/* installs DER of a type the caller names */
	KEY_READER = 1 << 4,	/* reads a key of any type (installs none) */
	CERT_CHAIN = 1 << 5,	/* installs the leaf and the chain of a file */
	CERT_LEAF = 1 << 6,	/* installs the first certificate of a file */
	CERT_OWN = 1 << 7,	/* installs or reads certificates itself */
	DH_READER = 1 << 8,
	TMP_RSA_READER = 1 << 9,
	/* Both at once: */
	CERT_AND_KEY = KEY_OBJECT | CERT_OWN,	/* SSL_use_cert_and_key */
	STORE = KEY_READER | CERT_OWN		/* OSSL_STORE_open */
};

void
loaders_unknown(struct loaders *out, const char *fmt, ...)
{
	va_list ap;

	out->key = LOADERS_KEY_UNKNOWN;
	out->cert = LOADERS_CERT_UNKNOWN;
	out->key_with[0] = out->cert_with[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(out->key_why, sizeof(out->key_why), fmt, ap);
	va_end(ap);
	memcpy(out->cert_why, out->key_why, sizeof(out->cert_why));
}

static const struct known {
	const char	*name;
	unsigned	 tells;
} known[] = {
	{ "SSL_CTX_use_RSAPrivateKey_file", KEY_RSA },
	{ "SSL_use_RSAPrivateKey_file", KEY_RSA },
	{ "SSL_CTX_use_RSAPrivateKey", KEY_RSA },
	{ "SSL_use_RSAPrivateKey", KEY_RSA },
	{ "SSL_CTX_use_RSAPrivateKey_ASN1", KEY_RSA },
	{ "SSL_use_RSAPrivateKey_ASN1", KEY_RSA },
	{ "SSL_CTX_use_PrivateKey_file", KEY_FILE_ANY },
	{ "SSL_use_PrivateKey_file", KEY_FILE_ANY },
	{ "SSL_CTX_use_PrivateKey", KEY_OBJECT },
	{ "SSL_use_PrivateKey", KEY_OBJECT },
	{ "SSL_CTX_use_cert_and_key", CERT_AND_KEY },
	{ "SSL_use_cert_and_key", CERT_AND_KEY },
	{ "SSL_CTX_use_PrivateKey_ASN1", KEY_DER },
	{ "SSL_use_PrivateKey_ASN1", KEY_DER },
	{ "PEM_read_PrivateKey", KEY_READER },
	{ "PEM_read_bio_PrivateKey", KEY_READER },
	{ "PEM_read_PrivateKey_ex", KEY_READER },
	{ "PEM_read_bio_PrivateKey_ex", KEY_READER },
	{ "d2i_AutoPrivateKey", KEY_READER },
	{ "d2i_PrivateKey_bio", KEY_READER },
	{ "d2i_PrivateKey_fp", KEY_READER },
	{ "d2i_PrivateKey_ex_bio", KEY_READER },
	{ "OSSL_DECODER_CTX_new_for_pkey", KEY_READER },
	{ "OSSL_STORE_open", STORE },
	{ "OSSL_STORE_open_ex", STORE },
	{ "SSL_CTX_use_certificate_chain_file", CERT_CHAIN },
	{ "SSL_use_certificate_chain_file", CERT_CHAIN },
	{ "SSL_CTX_use_certificate_file", CERT_LEAF },
	{ "SSL_use_certificate_file", CERT_LEAF },
	{ "SSL_CTX_use_certificate", CERT_OWN },
	{ "SSL_use_certificate", CERT_OWN },
	{ "SSL_CTX_use_certificate_ASN1", CERT_OWN },
	{ "SSL_use_certificate_ASN1", CERT_OWN },
	{ "PEM_read_X509", CERT_OWN },
	{ "PEM_read_bio_X509", CERT_OWN },
	{ "PEM_read_X509_AUX", CERT_OWN },
	{ "PEM_read_bio_X509_AUX", CERT_OWN },
	{ "PEM_X509_INFO_read", CERT_OWN },
	{ "PEM_X509_INFO_read_bio", CERT_OWN },
	{ "PEM_X509_INFO_read_ex", CERT_OWN },
	{ "PEM_X509_INFO_read_bio_ex", CERT_OWN },
	{ "PEM_read_DHparams", DH_READER },
	{ "PEM_read_bio_DHparams", DH_READER },
	{ "PEM_read_RSAPrivateKey", TMP_RSA_READER },
	{ "PEM_read_bio_RSAPrivateKey", TMP_RSA_READER },
};
#define NKNOWN	(sizeof(known) / sizeof(known[0]))
_Static_assert(NKNOWN <= 64, "a found set is a 64-bit mask");

/* What one program imports. */
struct imports {
	uint64_t	 found;		/* bit i: it imports known[i] */
	int		 libssl;	/* libssl.so* among its DT_NEEDED */
};

static unsigned
tells(const struct imports *im)
{
	unsigned t = 0;
	size_t i;

	for (i = 0; i < NKNOWN; i++)
		if (im->found & ((uint64_t)1 << i))
			t |= known[i].tells;
	return t;
}

/* The names found that tell any of mask, joined with ", ". */
static void
names(const struct imports *im, unsigned mask, char *buf, size_t size)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < NKNOWN; i++) {
		if (!(im->found & ((uint64_t)1 << i)) ||
		    !(known[i].tells & mask))
			continue;
		used += snprintf(buf + used, size - used, "%s%s",
		    used ? ", " : "", known[i].name);
		if (used >= size) {
			/* Cut at a name, not inside one. */
			char *comma = strrchr(buf, ',');
			if (comma != NULL)
				*comma = '\0';
			return;
		}
	}
}

static void whyf(char *buf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
whyf(char *buf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, LOADERS_WHY_MAX, fmt, ap);
	va_end(ap);
}

/* Why no loader of what ("private-key") was found. */
static void
why_none(const struct imports *im, const char *what, char *why)
{
	if (im->libssl)
		whyf(why, "it imports no %s loader from libssl", what);
	else
		whyf(why, "it does not link libssl: OpenSSL is compiled in, "
		    "or loaded some other way");
}

static void
classify_key(const struct imports *im, struct loaders *out)
{
	unsigned t = tells(im);
	char rsa[LOADERS_NAMES_MAX], other[LOADERS_NAMES_MAX];
	int any = (t & KEY_FILE_ANY) ||
	    ((t & KEY_OBJECT) && (t & KEY_READER));

	names(im, KEY_RSA, rsa, sizeof(rsa));
	names(im, KEY_FILE_ANY | KEY_OBJECT | KEY_DER, other, sizeof(other));
	if ((t & KEY_RSA) && !(t & (KEY_FILE_ANY | KEY_OBJECT | KEY_DER))) {
		out->key = LOADERS_KEY_RSA_ONLY;
		snprintf(out->key_with, sizeof(out->key_with), "%s", rsa);
	} else if (any && !(t & KEY_RSA)) {
		out->key = LOADERS_KEY_ANY;
		names(im, KEY_FILE_ANY | ((t & KEY_FILE_ANY) ? 0 :
		    KEY_OBJECT | KEY_READER), out->key_with,
		    sizeof(out->key_with));
	} else if (t & KEY_RSA) {
		names(im, KEY_RSA | KEY_FILE_ANY | KEY_OBJECT | KEY_DER,
		    out->key_with, sizeof(out->key_with));
		whyf(out->key_why, "it imports an RSA-only key loader (%s) "
		    "and another one (%s): which of them reads the file "
		    "cannot be told from its imports", rsa, other);
	} else if (t & (KEY_OBJECT | KEY_DER)) {
		snprintf(out->key_with, sizeof(out->key_with), "%s", other);
		whyf(out->key_why, "it installs a key it decodes itself (%s): "
		    "the key types it accepts cannot be told from its "
		    "imports", other);
	} else
		why_none(im, "private-key", out->key_why);
}

static void
classify_cert(const struct imports *im, struct loaders *out)
{
	unsigned t = tells(im);
	char own[LOADERS_NAMES_MAX];

	names(im, CERT_OWN, own, sizeof(own));
	if (t & CERT_CHAIN) {
		out->cert = LOADERS_CERT_CHAIN;
		names(im, CERT_CHAIN, out->cert_with, sizeof(out->cert_with));
	} else if ((t & CERT_LEAF) && !(t & CERT_OWN)) {
		out->cert = LOADERS_CERT_LEAF_ONLY;
		names(im, CERT_LEAF, out->cert_with, sizeof(out->cert_with));
	} else if (t & CERT_LEAF) {
		names(im, CERT_LEAF, out->cert_with, sizeof(out->cert_with));
		whyf(out->cert_why, "it loads certificates with %s but also "
		    "handles certificates itself (%s): intermediates it may "
		    "add leave no import", out->cert_with, own);
	} else if (t & CERT_OWN)
		whyf(out->cert_why, "it handles certificates itself (%s): "
		    "whether it sends the intermediates cannot be told from "
		    "its imports", own);
	else
		why_none(im, "certificate", out->cert_why);
}

static int
section_data(Elf_Scn *scn, Elf_Type type, Elf_Data **data)
{
	*data = elf_getdata(scn, NULL);
	return *data != NULL && (*data)->d_type == type ? 0 : -1;
}

/* DT_NEEDED entries: how many, and whether one is libssl. */
static int
read_needed(Elf *e, Elf_Scn *scn, GElf_Word strtab, size_t *nneeded,
    int *libssl)
{
	Elf_Data *data;
	GElf_Dyn dyn;
	const char *name;
	size_t i, n, entsize;

	if (section_data(scn, ELF_T_DYN, &data) == -1)
		return -1;
	if ((entsize = gelf_fsize(e, ELF_T_DYN, 1, EV_CURRENT)) == 0)
		return -1;
	n = data->d_size / entsize;
	for (i = 0; i < n; i++) {
		if (gelf_getdyn(data, (int)i, &dyn) == NULL)
			return -1;
		if (dyn.d_tag == DT_NULL)
			break;
		if (dyn.d_tag != DT_NEEDED)
			continue;
		(*nneeded)++;
		name = elf_strptr(e, strtab, dyn.d_un.d_val);
		if (name != NULL && strncmp(name, "libssl.so", 9) == 0)
			*libssl = 1;
	}
	return 0;
}

static int
is_known(const char *name, size_t *index)
{
	size_t i;

	/* Every known name starts with one of these. */
	if (strncmp(name, "SSL_", 4) != 0 && strncmp(name, "PEM_", 4) != 0 &&
	    strncmp(name, "d2i_", 4) != 0 && strncmp(name, "OSSL_", 5) != 0)
		return 0;
	for (i = 0; i < NKNOWN; i++)
		if (strcmp(name, known[i].name) == 0) {
			*index = i;
			return 1;
		}
	return 0;
}

/* The undefined symbols of .dynsym that known[] names. */
static int
read_dynsym(Elf *e, Elf_Scn *scn, GElf_Word strtab, struct imports *im,
    struct loaders *out)
{
	Elf_Data *data;
	GElf_Sym sym;
	const char *name;
	size_t i, n, entsize, k;

	if (section_data(scn, ELF_T_SYM, &data) == -1 ||
	    (entsize = gelf_fsize(e, ELF_T_SYM, 1, EV_CURRENT)) == 0) {
		loaders_unknown(out, "a damaged ELF file (its dynamic "
		    "symbols cannot be read)");
		return -1;
	}
	n = data->d_size / entsize;
	if (n > LOADERS_MAX_SYMBOLS) {
		loaders_unknown(out, "more than %d dynamic symbols: not read",
		    LOADERS_MAX_SYMBOLS);
		return -1;
	}
	for (i = 1; i < n; i++) {	/* symbol 0 is the null symbol */
		if (gelf_getsym(data, (int)i, &sym) == NULL) {
			loaders_unknown(out, "a damaged ELF file (symbol %zu: "
			    "%s)", i, elf_errmsg(-1));
			return -1;
		}
		if (sym.st_shndx != SHN_UNDEF || sym.st_name == 0)
			continue;
		if ((name = elf_strptr(e, strtab, sym.st_name)) == NULL)
			continue;
		if (is_known(name, &k))
			im->found |= (uint64_t)1 << k;
	}
	return 0;
}

/* "a script (#!/bin/sh)": the interpreter as written, printable only. */
static void
script_reason(const char *image, size_t len, struct loaders *out)
{
	char interp[64];
	size_t i = 2, j = 0;

	while (i < len && (image[i] == ' ' || image[i] == '\t'))
		i++;
	for (; i < len && j < sizeof(interp) - 1 && image[i] != '\n' &&
	    image[i] != ' ' && image[i] != '\t'; i++)
		interp[j++] = isprint((unsigned char)image[i]) ? image[i] : '?';
	interp[j] = '\0';
	loaders_unknown(out, "a script (#!%s), not a program: the loader is "
	    "in what it starts", interp);
}

/* The file as a whole: a linked ELF program with section headers? */
static int
check_program(Elf *e, struct loaders *out)
{
	GElf_Ehdr ehdr;

	switch (elf_kind(e)) {
	case ELF_K_ELF:
		break;
	case ELF_K_AR:
		loaders_unknown(out, "an ar archive (a static library), not "
		    "a program");
		return -1;
	default:
		loaders_unknown(out, "not an ELF program");
		return -1;
	}
	if (gelf_getehdr(e, &ehdr) == NULL) {
		loaders_unknown(out, "a damaged ELF file (%s)", elf_errmsg(-1));
		return -1;
	}
	switch (ehdr.e_type) {
	case ET_EXEC:
	case ET_DYN:
		return 0;
	case ET_REL:
		loaders_unknown(out, "an ELF object file, not a linked "
		    "program");
		return -1;
	case ET_CORE:
		loaders_unknown(out, "an ELF core dump, not a program");
		return -1;
	default:
		loaders_unknown(out, "an ELF file of type %u, not a program",
		    (unsigned)ehdr.e_type);
		return -1;
	}
}

static void
scan(Elf *e, struct loaders *out)
{
	struct imports im = { 0, 0 };
	Elf_Scn *scn = NULL, *dynsym = NULL, *dynamic = NULL;
	GElf_Shdr shdr;
	GElf_Word dynsym_str = 0, dynamic_str = 0;
	size_t nscn, i, nneeded = 0;

	if (check_program(e, out) == -1)
		return;
	if (elf_getshdrnum(e, &nscn) == -1) {
		loaders_unknown(out, "a damaged ELF file (%s)", elf_errmsg(-1));
		return;
	}
	if (nscn == 0) {
		loaders_unknown(out, "an ELF program without section headers "
		    "(stripped with sstrip?): its imports cannot be read");
		return;
	}
	for (i = 0; i < nscn && (scn = elf_nextscn(e, scn)) != NULL; i++) {
		if (gelf_getshdr(scn, &shdr) == NULL) {
			loaders_unknown(out, "a damaged ELF file (%s)",
			    elf_errmsg(-1));
			return;
		}
		if (shdr.sh_type == SHT_DYNSYM && dynsym == NULL) {
			dynsym = scn;
			dynsym_str = shdr.sh_link;
		} else if (shdr.sh_type == SHT_DYNAMIC && dynamic == NULL) {
			dynamic = scn;
			dynamic_str = shdr.sh_link;
		}
	}
	if (dynamic != NULL && read_needed(e, dynamic, dynamic_str, &nneeded,
	    &im.libssl) == -1) {
		loaders_unknown(out, "a damaged ELF file (its dynamic "
		    "section cannot be read)");
		return;
	}
	if (dynsym == NULL || nneeded == 0) {
		loaders_unknown(out, "statically linked (no dynamic %s): what "
		    "is compiled in cannot be read from its imports",
		    dynsym == NULL ? "symbols" : "libraries");
		return;
	}
	if (read_dynsym(e, dynsym, dynsym_str, &im, out) == -1)
		return;
	out->imports_read = 1;
	classify_key(&im, out);
	classify_cert(&im, out);
	names(&im, DH_READER, out->dh_with, sizeof(out->dh_with));
	names(&im, TMP_RSA_READER, out->tmp_rsa_with,
	    sizeof(out->tmp_rsa_with));
	out->dh_params = out->dh_with[0] != '\0';
	out->tmp_rsa = out->tmp_rsa_with[0] != '\0';
}

int
loaders_read_image(char *image, size_t len, struct loaders *out,
    struct err *err)
{
	Elf *e;

	memset(out, 0, sizeof(*out));
	if (len == 0) {
		loaders_unknown(out, "an empty file");
		return 0;
	}
	if (len >= 2 && image[0] == '#' && image[1] == '!') {
		script_reason(image, len, out);
		return 0;
	}
	if (len > LOADERS_MAX_FILE) {
		loaders_unknown(out, "larger than %d MiB: not read",
		    LOADERS_MAX_FILE / (1024 * 1024));
		return 0;
	}
	if (lazylib_load(&libelf_lib, err) == -1)
		return -1;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return err_set(err, EX_SOFTWARE, "libelf cannot start: %s",
		    elf_errmsg(-1));
	/* NULL for a header libelf refuses (or no memory): not readable
	 * either way. */
	if ((e = elf_memory(image, len)) == NULL) {
		loaders_unknown(out, "a damaged ELF file (%s)", elf_errmsg(-1));
		return 0;
	}
	scan(e, out);
	elf_end(e);
	return 0;
}
