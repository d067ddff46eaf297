package web

// clientRoutes is this area's part of the route table (see routeTable).
func (s *Server) clientRoutes() []route {
	return nil
}
