package web

// orderRoutes is this area's part of the route table (see routeTable).
func (s *Server) orderRoutes() []route {
	return nil
}
