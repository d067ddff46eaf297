package web

import (
	"net/http"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/web/templates/pages"
)

// navItems are the feature sections of the navigation, in order, each shown only to
// the roles its route allows.
func (s *Server) navItems() []navItem {
	var items []navItem
	// Status dashboard.
	items = append(items, navItem{"Dashboard", "/dashboard", signedIn})

	// Clients, projects, requirements.
	items = append(items,
		navItem{"Clients", "/clients", readClients},
		navItem{"Projects", "/projects", readClients},
	)

	// Certificates.
	items = append(items, navItem{"Certificates", "/certificates", signedIn})

	// Orders.
	items = append(items, navItem{"Orders", "/orders", orderReaders})

	return items
}

// homeCards are the start page's shortcuts for the user's roles.
func (s *Server) homeCards(r *http.Request, u *accounts.User) []pages.HomeCard {
	var cards []pages.HomeCard
	// Clients, projects, requirements.
	cards = append(cards, s.clientHomeCards(r, u)...)

	// Certificates.
	cards = append(cards, pages.HomeCard{Title: "Certificates", Text: "Issued certificates, their chains and expiry; downloads for engineers.", Href: "/certificates"})

	// Orders.
	// Each role is offered only what it can do.
	switch {
	case orderWriters.allows(u):
		cards = append(cards, pages.HomeCard{Title: "Orders", Text: "Place certificate orders and follow them at the CA.", Href: "/orders"})
	case orderReaders.allows(u):
		cards = append(cards, pages.HomeCard{Title: "Orders", Text: "Follow certificate orders at the CA.", Href: "/orders"})
	}

	if u.Has(accounts.RoleAdmin) {
		cards = append(cards,
			pages.HomeCard{Title: "Users", Text: "Add people and set their roles.", Href: "/users"},
			pages.HomeCard{Title: "Audit log", Text: "Who signed in, changed users, read keys.", Href: "/audit"},
		)
	}
	cards = append(cards, pages.HomeCard{Title: "API tokens", Text: "Create a token to script the portal.", Href: "/profile"})
	return cards
}
