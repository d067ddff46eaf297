package pages

// ACMEAccountsView is the admin page of ACME accounts: the list and the
// form that registers a new one.
type ACMEAccountsView struct {
	Accounts []ACMEAccountRow
	// Presets are the directories offered by name; the last option is
	// "other URL".
	Presets  []Option
	Profiles []Option
	Form     Form
	// TermsURL is the chosen directory's terms of service, once known.
	TermsURL string
}

// ACMEAccountRow is one account as the list shows it.
type ACMEAccountRow struct {
	ID           int64
	Name         string
	DirectoryURL string
	Email        string
	EAB          bool
	Profile      string
	PrivateCA    bool
	OV           bool
	RegisteredAt string
}

// ACMEOtherDirectory is the directory select's value for a typed URL.
const ACMEOtherDirectory = "other"

// ACMEDomainsView is the page of the domains' ACME challenge methods.
type ACMEDomainsView struct {
	Domains   []ACMEDomainRow
	Providers []ACMEProviderFields
	// Methods are every choice of the provider select.
	Methods []Option
	Form    Form
}

// ACMEDomainRow is one configured domain: its method and the names of the
// credential keys set (never their values).
type ACMEDomainRow struct {
	Domain    string
	Method    string
	Keys      string
	UpdatedAt string
	// Testable: a lego DNS provider, which the test button exercises.
	Testable bool
}

// ACMEProviderFields are the labelled inputs of one lego DNS provider.
type ACMEProviderFields struct {
	Name   string
	Fields []ACMEValueField
}

// ACMEValueField is one credential input: lego's environment variable name.
type ACMEValueField struct {
	Key      string
	Input    string
	Required bool
	// Secret inputs are password fields.
	Secret bool
}

// ACMEChallengeRow is one name's challenge on an ACME order's page.
type ACMEChallengeRow struct {
	Identifier string
	Method     string
	Status     string
	// TXTName and TXTValue are the record to add by hand (manual DNS).
	TXTName  string
	TXTValue string
}

// ACMEOrderCard is the ACME part of an order's page.
type ACMEOrderCard struct {
	Account string
	// Status is the CA's word for the order ("" before it is placed).
	Status     string
	Challenges []ACMEChallengeRow
	// Problem is the CA's error when a challenge or the order failed.
	Problem string
}

// ACMECertificateCard is the ACME part of a certificate's page: renewal and
// revocation.
type ACMECertificateCard struct {
	CertificateID int64
	RenewAt       string
	RenewBasis    string
	RenewalError  string
	RenewalOrder  int64
	// RenewalStatus says where the renewal stands ("issued, waiting for
	// installs to serve it").
	RenewalStatus string
	Revoked       string
	CanRevoke     bool
}

// ACMERevokeView is the confirm step of a revocation.
type ACMERevokeView struct {
	CertificateID int64
	// CommonName is the names the certificate is for (an ACME CA may put
	// none in the subject).
	CommonName string
	Reasons    []Option
	Form       Form
}

// ACMEOrderFields are the order form's ACME part, shown when the provider
// is acme.
type ACMEOrderFields struct {
	// Accounts are the accounts that fit the requirement's names.
	Accounts []Option
	// Unfit says why accounts were left out ("" when none was).
	Unfit     string
	Wildcards []string
	// Reserved warns that names under reserved TLDs need a private CA.
	Reserved string
	// CanAddAccount links the ACME accounts page (admins).
	CanAddAccount bool
}
