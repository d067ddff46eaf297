package web

// Orders follow the clients' rules: POs (and admins) order; engineers and AMs
// read.
var orderReaders, orderWriters = readClients, writeClients

// orderRoutes is this area's part of the route table (see routeTable).
func (s *Server) orderRoutes() []route {
	return []route{
		{"GET", "/orders", orderReaders, s.orderList},
		{"GET", "/orders/new", orderWriters, s.orderNew},
		{"POST", "/orders", orderWriters, s.orderCreatePost},
		{"GET", "/orders/{id}", orderReaders, s.orderView},
		{"GET", "/orders/{id}/edit", orderWriters, s.orderEdit},
		{"POST", "/orders/{id}/edit", orderWriters, s.orderEditPost},
		{"POST", "/orders/{id}/submit", orderWriters, s.orderSubmitPost},
		{"POST", "/orders/{id}/refresh", orderReaders, s.orderRefreshPost},
		{"POST", "/orders/{id}/attach", orderWriters, s.orderAttachPost},
		{"POST", "/orders/{id}/resend-approval", orderWriters, s.orderResendPost},
		{"POST", "/orders/{id}/cancel", orderWriters, s.orderCancelPost},
		{"POST", "/orders/{id}/replace", orderWriters, s.orderReplacePost},
		{"POST", "/orders/{id}/state", orderWriters, s.orderStatePost},
		{"GET", "/dev/orders", admins, s.devOrders},
		{"POST", "/dev/orders/{id}/advance", admins, s.devOrderAdvancePost},

		{"GET", "/api/v1/orders", orderReaders, s.apiOrders},
		{"POST", "/api/v1/orders", orderWriters, s.apiOrderCreate},
		{"GET", "/api/v1/orders/approvers", orderReaders, s.apiOrderApprovers},
		{"GET", "/api/v1/orders/{id}", orderReaders, s.apiOrder},
		{"PATCH", "/api/v1/orders/{id}", orderWriters, s.apiOrderUpdate},
		{"POST", "/api/v1/orders/{id}/submit", orderWriters, s.apiOrderSubmit},
		{"POST", "/api/v1/orders/{id}/refresh", orderReaders, s.apiOrderRefresh},
		{"POST", "/api/v1/orders/{id}/attach", orderWriters, s.apiOrderAttach},
		{"POST", "/api/v1/orders/{id}/resend-approval", orderWriters, s.apiOrderResend},
		{"POST", "/api/v1/orders/{id}/cancel", orderWriters, s.apiOrderCancel},
		{"POST", "/api/v1/orders/{id}/replace", orderWriters, s.apiOrderReplace},
		{"POST", "/api/v1/orders/{id}/state", orderWriters, s.apiOrderState},
	}
}
